package parser

// checkDecodedPayload applies the per-type payload rules of the protocol,
// as socket.io-parser's isPayloadValid, plus what the spec makes mandatory:
//
//	CONNECT        absent or an object
//	DISCONNECT     absent
//	CONNECT_ERROR  an object or a string
//	EVENT          a non-empty array whose first element is a string that is
//	               not a reserved event name
//	ACK            an array
//
// kind is the textual type (BINARY_EVENT is checked as EVENT). It returns
// the DecodeError reason and detail, or "" when the payload is valid.
func checkDecodedPayload(kind PacketType, payload any, present bool) (reason, detail string) {
	switch kind {
	case Connect:
		if _, ok := payload.(map[string]any); ok || !present {
			return "", ""
		}
		return ReasonInvalidPayload, "CONNECT payload must be absent or an object"
	case Disconnect:
		if !present {
			return "", ""
		}
		return ReasonInvalidPayload, "DISCONNECT must not carry a payload"
	case ConnectError:
		switch payload.(type) {
		case map[string]any, string:
			return "", ""
		}
		return ReasonInvalidPayload, "CONNECT_ERROR payload must be an object or a string"
	case Ack:
		if _, ok := payload.([]any); ok {
			return "", ""
		}
		return ReasonInvalidPayload, "ACK payload must be an array"
	default: // Event
		args, ok := payload.([]any)
		if !ok {
			return ReasonInvalidPayload, "EVENT payload must be an array"
		}
		if len(args) == 0 {
			return ReasonInvalidPayload, "EVENT payload must not be empty"
		}
		name, ok := args[0].(string)
		if !ok {
			// socket.io-parser also accepts a number; socket.io clients
			// only ever send strings.
			return ReasonInvalidPayload, "event name must be a string"
		}
		if isReservedEvent(name) {
			return ReasonReservedEventName, name
		}
		return "", ""
	}
}
