package socketio

// Disconnect reasons, named exactly as socket.io names them, so that logs
// and tests read the same whichever server produced them.
const (
	// The underlying connection was closed by the client (tab closed,
	// network gone and detected by the transport).
	ReasonTransportClose = "transport close"
	// The underlying connection failed (write error, queue overflow).
	ReasonTransportError = "transport error"
	// The client did not answer a ping within pingTimeout.
	ReasonPingTimeout = "ping timeout"
	// The client sent something that is not valid Socket.IO.
	ReasonParseError = "parse error"
	// The server called Socket.Disconnect(false).
	ReasonServerNamespaceDisconnect = "server namespace disconnect"
	// The client sent a DISCONNECT packet for this namespace.
	ReasonClientNamespaceDisconnect = "client namespace disconnect"
	// The server is shutting down (Server.Close).
	ReasonServerShuttingDown = "server shutting down"
	// Another socket of the same connection called Disconnect(true), which
	// closes the whole connection.
	ReasonForcedServerClose = "forced server close"
	// The connection was closed by the server for another reason.
	ReasonForcedClose = "forced close"
)
