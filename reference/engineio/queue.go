package engineio

// enqueue appends msgs (nil ones skipped) to *queue, all or nothing, under
// the two bounds every send queue has, server session and client alike:
// the count caps the queue's own memory (a shared broadcast message costs
// a queue only a pointer), the bytes cap what a peer that does not read
// can make us hold for it. An empty queue always takes one call, however
// large, so no message is unsendable. It reports false, queuing nothing,
// when msgs do not fit. The caller holds the lock guarding queue and
// queuedBytes.
func enqueue(queue *[]*Message, queuedBytes *int64, msgs []*Message, limit int, maxBytes int64) bool {
	n, size := 0, int64(0)
	for _, m := range msgs {
		if m != nil {
			n++
			size += int64(len(m.data))
		}
	}
	overBytes := *queuedBytes > 0 && *queuedBytes+size > maxBytes
	if len(*queue)+n > limit || overBytes {
		return false
	}
	for _, m := range msgs {
		if m != nil {
			m.sends.Add(1)
			*queue = append(*queue, m)
		}
	}
	*queuedBytes += size
	return true
}

// dequeued takes batch, just removed from a queue, off that queue's byte
// count. Packets queued without enqueue (the open packet, pongs, close)
// were never counted, so the count stops at zero.
func dequeued(queuedBytes *int64, batch []*Message) {
	for _, m := range batch {
		*queuedBytes -= int64(len(m.data))
	}
	*queuedBytes = max(*queuedBytes, 0)
}
