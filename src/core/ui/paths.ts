// Where `kubemu up` serves the web page and its data on its loopback port.

/** The page itself (`/ui?token=…` authenticates and sets the cookie the rest uses). */
export const uiPath = '/ui'
/** One status snapshot (what `kubemu status -o json` prints). */
export const uiStatusPath = '/ui/api/status'
/** A chunked JSON stream: one status snapshot per line, each time the cluster changed. */
export const uiWatchPath = '/ui/api/watch'
