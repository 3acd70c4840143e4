// The cluster folder's component log file: bounded, and a busy source never cuts another's history.
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {ComponentLogFile, componentLogFileBytesMax, componentLogLinesPerSourceKept} from '../../src/core/host/component-logs.js'
import {latestProbeTimes, probeTimes} from '../../src/core/kubelet/probes.js'
import {temporaryFolder} from '../support/temp.js'

describe('the component log file', () => {
  it('past its bound keeps each source its newest lines, so a quiet source keeps its history', () => {
    const folder = temporaryFolder()
    const file = new ComponentLogFile(folder)
    file.append('kube-scheduler/control-plane2', [{atMilliseconds: 1, text: 'successfully acquired lease kube-system/kube-scheduler'}])
    const filler = 'x'.repeat(1_000)
    const lines = Math.ceil(componentLogFileBytesMax / 1_000) + 100
    for (let index = 0; index < lines; index++) file.append('etcd/infra1', [{atMilliseconds: 2 + index, text: `${index} ${filler}`}])
    expect(file.read('kube-scheduler/control-plane2', 0, Number.MAX_SAFE_INTEGER).map((line) => line.text)).toEqual(['successfully acquired lease kube-system/kube-scheduler'])
    const busy = file.read('etcd/infra1', 0, Number.MAX_SAFE_INTEGER)
    // Cut back to its newest lines once (then the last ~200 came after the cut).
    expect(busy.length).toBeLessThanOrEqual(componentLogLinesPerSourceKept + 200)
    expect(busy.length).toBeLessThan(lines)
    expect(busy.at(-1)!.text.startsWith(`${lines - 1} `)).toBe(true)
    expect(readFileSync(join(folder, 'component-logs.jsonl')).length).toBeLessThanOrEqual(componentLogFileBytesMax)
  })
})

describe("a web server's probe lines", () => {
  it('are the latest runs of a long-running probe, not its first ones', () => {
    const probe = {periodSeconds: 1, initialDelaySeconds: 2}
    expect(latestProbeTimes(probe, 0, 10_500, 3)).toEqual([8_000, 9_000, 10_000])
    expect(latestProbeTimes(probe, 0, 1_000, 3)).toEqual([])
    expect(latestProbeTimes(probe, 0, 3_000, 10)).toEqual(probeTimes(probe, 0, 3_000))
    // A day and a half of 1 s probes: the log's end is now, not 28 hours in.
    const day = 36 * 3600 * 1000
    expect(latestProbeTimes(probe, 0, day, 10_000).at(-1)).toBe(day)
  })
})
