// Requests to etcd's v3 HTTP gateway and their answers, in a form two servers' answers can be
// compared in: cluster and member IDs, raft terms, tokens and generated lease IDs normalized.

export interface GatewayStep {
  readonly path: string
  /** Sent as is (malformed JSON included). */
  readonly body: string
  /** Send the token saved under this name (or, if none was saved, this text) as Authorization. */
  readonly token?: string
  /** Save the answer's token under this name. */
  readonly save?: string
  /** A stream: read this many lines, then hang up. */
  readonly lines?: number
}

export interface GatewayAnswer extends GatewayStep {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly answer: string
}

/** Headers that say what the gateway answered (not when, nor how the connection is kept). */
const comparedHeaders = ['content-type', 'grpc-metadata-content-type', 'trailer', 'transfer-encoding', 'access-control-allow-origin', 'x-content-type-options']

export function normalize(text: string): string {
  return text
    .replace(/"cluster_id":"\d+"/g, '"cluster_id":"C"')
    .replace(/"member_id":"\d+"/g, '"member_id":"M"')
    .replace(/"raft_term":"\d+"/g, '"raft_term":"T"')
    .replace(/"token":"[^"]+"/g, '"token":"TOKEN"')
    .replace(/"ID":"\d{12,}"/g, '"ID":"LEASE"')
}

/** How long a stream step waits for its lines: past it, what came is compared (a short answer fails visibly instead of hanging). */
const streamLinesWaitMillisecondsMax = 30_000

async function readLines(response: Response, lines: number): Promise<string> {
  const reader = response.body!.getReader()
  const decoder = new TextDecoder()
  let text = ''
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), streamLinesWaitMillisecondsMax)))
  try {
    while (text.split('\n').length <= lines) {
      const read = await Promise.race([reader.read(), late])
      if (read === null) {
        text += `<no more lines within ${streamLinesWaitMillisecondsMax} ms>`
        break
      }
      if (read.done) break
      text += decoder.decode(read.value, {stream: true})
    }
  } finally {
    clearTimeout(timer)
  }
  await reader.cancel()
  return text
}

/** Runs the steps in order against the gateway at `url`. */
export async function runGatewaySteps(url: string, steps: readonly GatewayStep[]): Promise<GatewayAnswer[]> {
  const tokens = new Map<string, string>()
  const answers: GatewayAnswer[] = []
  for (const step of steps) {
    const headers: Record<string, string> = {'content-type': 'application/x-www-form-urlencoded'}
    if (step.token !== undefined) headers.authorization = tokens.get(step.token) ?? step.token
    const abort = new AbortController()
    const response = await fetch(`${url}${step.path}`, {method: 'POST', body: step.body, headers, signal: abort.signal})
    const answer = step.lines === undefined || response.status !== 200 ? await response.text() : await readLines(response, step.lines)
    abort.abort()
    if (step.save !== undefined) tokens.set(step.save, (JSON.parse(answer) as {token: string}).token)
    const kept: Record<string, string> = {}
    for (const name of comparedHeaders) {
      const value = response.headers.get(name)
      if (value !== null) kept[name] = value
    }
    answers.push({...step, status: response.status, headers: kept, answer: normalize(answer)})
  }
  return answers
}
