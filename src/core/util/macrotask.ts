/** Resolves once the event loop has run what is already queued (I/O callbacks, other requests). */
export const nextMacrotask = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))
