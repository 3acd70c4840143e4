// The web page of `kubemu up`, on its loopback HTTP port beside the Kubernetes API: `/ui` (one
// HTML document with its stylesheet and script, shipped in the package's data folder) and its
// data, one snapshot or a stream of them. It shows the cluster's data, so it answers only
// loopback names and the cluster admin's token (the link `up` prints carries it); anything else
// gets 403.
import {readFileSync} from 'node:fs'
import {timingSafeEqual} from 'node:crypto'
import type {ApiResponse, TrustedRequest} from '../api/wire.js'
import type {KubernetesHandler} from '../host/host.js'
import {StatusFeed, unavailable} from './feed.js'
import {uiPath, uiStatusPath, uiWatchPath} from './paths.js'

export type {StatusFeed} from './feed.js'

const assetsFolder = new URL('../../../data/ui/', import.meta.url)
let page: string | null = null

/** index.html with app.css and app.js in place: one document, so nothing else needs the token. */
function pageDocument(): string {
  page ??= readFileSync(new URL('index.html', assetsFolder), 'utf8')
    .replace('/* app.css */', () => readFileSync(new URL('app.css', assetsFolder), 'utf8'))
    .replace('/* app.js */', () => readFileSync(new URL('app.js', assetsFolder), 'utf8'))
  return page
}

const loopbackHosts = new Set(['127.0.0.1', 'localhost', '[::1]'])

function text(status: number, body: string, contentType = 'text/plain; charset=utf-8'): ApiResponse {
  return {status, body, contentType, warnings: []}
}

function header(request: TrustedRequest, name: string): string {
  const value = request.headers?.[name]
  return Array.isArray(value) ? String(value[0] ?? '') : String(value ?? '')
}

/** A request the page may answer: to a loopback name (no DNS rebinding), with the admin's token. */
function refusal(request: TrustedRequest, adminToken: string): string | null {
  const host = header(request, 'host').replace(/:\d+$/, '').toLowerCase()
  if (!loopbackHosts.has(host)) return 'the kubemu page answers loopback clients only (127.0.0.1, localhost)'
  const bearer = /^Bearer (.+)$/.exec(header(request, 'authorization'))?.[1]
  const given = Buffer.from(bearer ?? request.query?.token ?? '')
  const expected = Buffer.from(adminToken)
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'open the link kubemu up printed: it carries the cluster\'s token'
  return null
}

export interface WebPageOptions {
  /** The cluster admin's bearer token (the page's only key). */
  readonly adminToken: () => string
  readonly feed: StatusFeed
  /** One snapshot now (the feed reads the same). */
  readonly snapshot: () => Promise<unknown>
}

/** The API (and whatever is in front of it) with the web page in front. */
export function withWebPage(api: KubernetesHandler, options: WebPageOptions): KubernetesHandler {
  return {
    async handle(request) {
      if (request.path !== uiPath && !request.path.startsWith(`${uiPath}/`)) return api.handle(request)
      const refused = refusal(request, options.adminToken())
      if (refused) return text(403, `403 Forbidden: ${refused}\n`)
      if (request.method !== 'GET') return text(405, '405 Method Not Allowed\n')
      if (request.path === uiPath || request.path === `${uiPath}/`) return text(200, pageDocument(), 'text/html; charset=utf-8')
      if (request.path === uiStatusPath) {
        try {
          return {status: 200, body: await options.snapshot(), warnings: []}
        } catch (error) {
          return {status: 503, body: unavailable(error), warnings: []}
        }
      }
      if (request.path === uiWatchPath) {
        const watch = options.feed.subscribe()
        if (!watch) return {status: 429, body: {message: 'too many watchers of the status stream; close a page'}, warnings: []}
        return {status: 200, body: null, warnings: [], watch}
      }
      return text(404, '404 Not Found\n')
    },
  }
}
