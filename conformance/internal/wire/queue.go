package wire

import (
	"context"
	"sync"
)

// queue is an unbounded FIFO with one producer goroutine and waiting
// consumers: what a reader goroutine receives is kept until a case asks for
// it, however late, so no message is lost between two waits. finish ends it
// with an error returned once the items are drained.
type queue[T any] struct {
	mu    sync.Mutex
	items []T
	wake  chan struct{} // closed and replaced at every change
	done  bool
	err   error
}

func newQueue[T any]() *queue[T] { return &queue[T]{wake: make(chan struct{})} }

func (q *queue[T]) signal() {
	close(q.wake)
	q.wake = make(chan struct{})
}

func (q *queue[T]) push(v T) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.done {
		return
	}
	q.items = append(q.items, v)
	q.signal()
}

// finish ends the queue; the first call's err wins.
func (q *queue[T]) finish(err error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.done {
		return
	}
	q.done, q.err = true, err
	q.signal()
}

// finished returns the end error once finish was called.
func (q *queue[T]) finished() (error, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.err, q.done
}

// pop returns the oldest item, waiting for one; after finish and once
// drained it returns the finish error; ctx's error when ctx ends first.
func (q *queue[T]) pop(ctx context.Context) (T, error) {
	var zero T
	for {
		q.mu.Lock()
		if len(q.items) > 0 {
			v := q.items[0]
			q.items[0] = zero
			q.items = q.items[1:]
			q.mu.Unlock()
			return v, nil
		}
		if q.done {
			err := q.err
			q.mu.Unlock()
			return zero, err
		}
		wake := q.wake
		q.mu.Unlock()
		select {
		case <-wake:
		case <-ctx.Done():
			return zero, ctx.Err()
		}
	}
}

// waitDone waits until finish was called, leaving the items in place.
func (q *queue[T]) waitDone(ctx context.Context) (error, bool) {
	for {
		q.mu.Lock()
		if q.done {
			err := q.err
			q.mu.Unlock()
			return err, true
		}
		wake := q.wake
		q.mu.Unlock()
		select {
		case <-wake:
		case <-ctx.Done():
			return nil, false
		}
	}
}
