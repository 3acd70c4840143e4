// The requests a container run's web server answered, as the runtime keeps them for its access
// log: per run, bounded (the oldest requests of a run, and the least recently served runs, go
// first), and on disk shared by every process that opens the cluster folder.
import {existsSync, readdirSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {FileServedRequests, MemoryServedRequests, type ServedRecord, servedRequestsFolderName, servedRequestsPerContainerMax, servedRunsMax} from '../../src/core/kubelet/served-requests.js'
import {temporaryFolder} from '../support/temp.js'

const served = (atMilliseconds: number): ServedRecord => ({atMilliseconds, clientIp: '10.244.1.2', method: 'GET', target: '/', protocol: 'HTTP/1.1', status: 200, bodyBytes: 615, userAgent: 'Wget', format: 'nginx'})

describe('served requests', () => {
  it('keep the newest requests of a run and the most recently served runs', () => {
    const store = new MemoryServedRequests()
    for (let at = 0; at < servedRequestsPerContainerMax + 5; at++) store.addServedRequest('uid/web/0', served(at))
    const kept = store.servedRequests('uid/web/0')
    expect(kept).toHaveLength(servedRequestsPerContainerMax)
    expect(kept[0]!.atMilliseconds).toBe(5)
    for (let run = 0; run < servedRunsMax; run++) store.addServedRequest(`uid-${run}/web/0`, served(run))
    // The first run was served longest ago: it went; the newest runs stay.
    expect(store.servedRequests('uid/web/0')).toEqual([])
    expect(store.servedRequests(`uid-${servedRunsMax - 1}/web/0`)).toHaveLength(1)
  })

  it('on disk: one file per run, read back by another process, the oldest requests dropped past the bound', () => {
    const folder = temporaryFolder()
    const writer = new FileServedRequests(folder)
    for (let at = 0; at < servedRequestsPerContainerMax + 2; at++) writer.addServedRequest('uid/web/1', served(at))
    writer.addServedRequest('other/site/0', {...served(7), format: 'httpd'})
    const reader = new FileServedRequests(folder)
    expect(reader.servedRequests('uid/web/1').map((record) => record.atMilliseconds)).toEqual(Array.from({length: servedRequestsPerContainerMax}, (_, index) => index + 2))
    expect(reader.servedRequests('other/site/0')).toEqual([{...served(7), format: 'httpd'}])
    expect(reader.servedRequests('nobody/x/0')).toEqual([])
    expect(readdirSync(join(folder, servedRequestsFolderName)).sort()).toEqual(['other_site_0.json', 'uid_web_1.json'])
    expect(existsSync(join(folder, 'served-requests.json'))).toBe(false)
  })
})
