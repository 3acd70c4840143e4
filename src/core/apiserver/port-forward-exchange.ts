// POST pods/NAME/portforward?ports=PORT: kubemu's exchange behind a forwarded connection. The body
// holds the connection's bytes so far (base64 `data`; none to only dial the port); the answer is
// what the pod's simulated server wrote back. The upgrade servers (SPDY, SPDY in WebSocket) and
// kubemu's kubectl carry real connections over it, so each step passes authentication and
// authorization as the user who forwards.
import type {KubeObject} from '../api/object.js'
import type {PortForwardAnswer} from '../api/wire.js'
import type {ContainerStreams, StreamObjectReader} from './pod-logs.js'
import {apiErrors} from './api-errors.js'

/** The most bytes of requests one forwarded connection holds before an answer (a bound on what a client may send). */
export const forwardedRequestBytesMax = 1 << 20

export async function portForwardExchange(streams: ContainerStreams, pod: KubeObject, portText: string | undefined, body: string, nowMilliseconds: number, reader: StreamObjectReader): Promise<PortForwardAnswer> {
  const port = Number(portText)
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw apiErrors.badRequest(`invalid port: ${portText}`)
  if ((pod.status as {phase?: string} | undefined)?.phase !== 'Running') throw apiErrors.badRequest(`pod ${pod.metadata.name} is not running`)
  let data: unknown = ''
  if (body) {
    try {
      data = (JSON.parse(body) as {data?: unknown}).data ?? ''
    } catch {
      throw apiErrors.badRequest('the body of a port-forward exchange is JSON: {"data": BASE64}')
    }
  }
  const input = Buffer.from(String(data), 'base64')
  if (input.length > forwardedRequestBytesMax) throw apiErrors.badRequest(`a forwarded request of ${input.length} bytes is over the ${forwardedRequestBytesMax}-byte limit`)
  const answer = await streams.portForward(pod, port, input, nowMilliseconds, reader)
  return {...(answer.refusal !== undefined ? {refusal: answer.refusal} : {}), data: answer.reply.toString('base64'), consumedBytes: answer.consumedBytes, closes: answer.closes}
}
