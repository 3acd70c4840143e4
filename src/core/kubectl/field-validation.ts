// kubectl's --validate flag read as its GetValidationDirective reads it: the fieldValidation the
// server is asked for, shared by the verbs that send objects and the manifest reader.
import {ConnectionRefusedError, KubectlError, ServerError} from './errors.js'
import {genericRefusal, requestFailureText} from './resources.js'
import {loggedUrl} from './request-log.js'
import {formatGoDuration} from '../util/go-duration.js'
import type {KubectlSession} from './session.js'

/** The server's fieldValidation for --validate, as kubectl's GetValidationDirective reads it (a Go bool or a word). */
export function fieldValidationOf(session: KubectlSession): 'Strict' | 'Warn' | 'Ignore' {
  if (!session.flags.values.has('validate')) return 'Strict'
  const value = session.flag('validate')
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return 'Strict'
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return 'Ignore'
  switch (value.toLowerCase()) {
    case 'strict':
      return 'Strict'
    case 'warn':
      return 'Warn'
    case 'ignore':
      return 'Ignore'
    default:
      throw new KubectlError(`invalid - validate option "${value}"; must be one of: strict (or true), warn, ignore (or false)`)
  }
}

/** kubectl's OpenAPI clients wait this long for an answer when --request-timeout sets none. */
const openApiTimeoutMilliseconds = 32_000
const openApiTimeoutQuery = {timeout: formatGoDuration(openApiTimeoutMilliseconds)}

/**
 * Why kubectl's validation cannot go on, or null when it can. Before validating a document it asks
 * the server's OpenAPI whether the kind takes fieldValidation: the v3 index first, the v2 document
 * when that fails; when neither can be read (a refused login, a closed port) every document
 * validated fails with the v2 download's error. (Past the index kubectl reads the group-version's
 * document; kubemu's API server takes fieldValidation for every kind it serves, so it is not read.)
 */
export function openApiUnreadable(session: KubectlSession): Promise<string | null> {
  // Asked once per command: kubectl keeps its OpenAPI clients' answers (a command run again after
  // a stale discovery cache asks nothing more).
  let asked = openApiAnswers.get(session)
  if (!asked) {
    asked = downloadOpenApi(session)
    openApiAnswers.set(session, asked)
  }
  return asked
}

const openApiAnswers = new WeakMap<KubectlSession, Promise<string | null>>()

async function downloadOpenApi(session: KubectlSession): Promise<string | null> {
  const download = async (path: string) => {
    try {
      await session.request('GET', path, {query: openApiTimeoutQuery})
      return null
    } catch (error) {
      if (error instanceof ServerError) return requestFailureText(genericRefusal(error))
      // Named by its own URL: the refusal is the session's one error, which names its first request.
      if (error instanceof ConnectionRefusedError) return error.requestError('GET', loggedUrl(error.server, path, {timeout: formatGoDuration(session.requestTimeoutMilliseconds() || openApiTimeoutMilliseconds)}))
      throw error
    }
  }
  if ((await download('/openapi/v3')) === null) return null
  const failure = await download('/openapi/v2')
  return failure === null ? null : `failed to download openapi: ${failure}`
}
