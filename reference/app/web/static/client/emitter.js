// emitter.js — the tiny event emitter every class of the client builds on.
//
// We write our own because the client runs in the browser as plain ES
// modules, with no build step and no dependency: on, once, off and a local
// emit are all it takes.

export class Emitter {
  #listeners = new Map(); // event name → array of functions, in order

  // on registers fn for name and returns this, so calls can be chained.
  on(name, fn) {
    const list = this.#listeners.get(name) ?? [];
    list.push(fn);
    this.#listeners.set(name, list);
    return this;
  }

  // once registers fn for the next emission of name only.
  once(name, fn) {
    const wrapper = (...args) => {
      this.off(name, wrapper);
      fn(...args);
    };
    wrapper.original = fn; // so that off(name, fn) finds the wrapper
    return this.on(name, wrapper);
  }

  // off removes fn from name, or every listener of name without fn.
  off(name, fn) {
    if (fn === undefined) {
      this.#listeners.delete(name);
      return this;
    }
    const list = this.#listeners.get(name) ?? [];
    const i = list.findIndex((f) => f === fn || f.original === fn);
    if (i >= 0) list.splice(i, 1);
    return this;
  }

  // emitLocal calls the listeners of name, in registration order, with
  // args. It is not called "emit" because Socket.emit sends to the server.
  emitLocal(name, ...args) {
    const list = this.#listeners.get(name);
    if (!list) return;
    for (const fn of [...list]) { // a copy: a listener may remove itself
      try {
        fn(...args);
      } catch (err) {
        reportLater(err);
      }
    }
  }
}

// listen registers fn and returns the function that removes it. The
// Manager and the Socket keep these "undo" functions in a list, so that
// one call drops every subscription they made on an object.
export function listen(emitter, name, fn) {
  emitter.on(name, fn);
  return () => emitter.off(name, fn);
}

// A listener that throws must not break the protocol code that called it:
// the rest of a polling payload would be lost and the connection would
// drift out of step. The error is thrown again on a fresh task, where the
// browser still reports it in the console.
function reportLater(err) {
  setTimeout(() => {
    throw err;
  });
}
