// A container's log as its runtime keeps it, from what its parts wrote: the server's lines for
// the requests it served (nginx's error line before a 404 or 403, then each access line), and all
// of a run's lines in time order.
import {accessLogLine, nginxErrorLine} from '../network/access-log.js'
import {nginxDocumentRoot} from '../network/image-files.js'
import {nginxFirstWorkerPid, nginxWorkerProcesses} from './image-output.js'
import type {ServedRecord} from './served-requests.js'
import type {LogLine} from './shell/run.js'

/**
 * The server's log lines for the requests it served, in time order: each one's access line, and
 * before it nginx's error line for a 404 or 403 (numbered as nginx numbers its connections).
 */
export function serverLogLines(served: readonly ServedRecord[]): LogLine[] {
  const lines: LogLine[] = []
  const ordered = [...served].sort((a, b) => a.atMilliseconds - b.atMilliseconds)
  ordered.forEach((record, index) => {
    if (record.format === 'nginx') {
      const fsPath = `${nginxDocumentRoot}${safeDecoded(record.target.split('?')[0]!)}`
      const error = nginxErrorLine(record, {connection: index + 1, workerPid: nginxFirstWorkerPid + (index % nginxWorkerProcesses), fsPath})
      if (error) lines.push({atMilliseconds: record.atMilliseconds, stream: 'stderr', text: error})
    }
    lines.push({atMilliseconds: record.atMilliseconds, stream: 'stdout', text: accessLogLine(record.format, record)})
  })
  return lines
}

function safeDecoded(path: string): string {
  try {
    return decodeURIComponent(path)
  } catch {
    return path
  }
}

/** The lines sorted by time; a stable sort keeps each source's own order within one millisecond. */
export function stableByTime(lines: readonly LogLine[]): LogLine[] {
  return lines.map((line, index) => ({line, index})).sort((a, b) => a.line.atMilliseconds - b.line.atMilliseconds || a.index - b.index).map((entry) => entry.line)
}
