// The nodes' image table in the cluster folder, as `up` and one-shot commands share it: each
// reader keeps the table it read and reads again only when the file changed, so a change made by
// another process (another FileNodeImages on the same folder) is always seen.
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {FileNodeImages, NodeImagesFileError, nodeImagesFileName} from '../../src/core/kubelet/node-images.js'
import {temporaryFolder} from '../support/temp.js'

const image = (name: string, pulledAtMilliseconds: number) => ({name, sizeBytes: 1000 + pulledAtMilliseconds, pulledAtMilliseconds})

describe('the node images file', () => {
  it('shows each writer what the other wrote, and its own writes at once', () => {
    const folder = temporaryFolder()
    const kubelets = new FileNodeImages(folder)
    const command = new FileNodeImages(folder)
    expect(kubelets.list('worker-1')).toEqual([])
    kubelets.add('worker-1', image('docker.io/library/nginx:1.27', 1))
    expect(kubelets.has('worker-1', 'nginx:1.27')).toBe(true)
    expect(command.has('worker-1', 'nginx:1.27')).toBe(true)
    command.add('worker-1', image('docker.io/library/busybox:1.36', 2))
    command.add('worker-2', image('docker.io/library/busybox:1.36', 3))
    expect(kubelets.list('worker-1').map((entry) => entry.name)).toEqual(['docker.io/library/nginx:1.27', 'docker.io/library/busybox:1.36'])
    expect(kubelets.has('worker-2', 'busybox:1.36')).toBe(true)
    // Read many times without a change: the same table each time.
    for (let round = 0; round < 1000; round++) expect(kubelets.list('worker-2')).toHaveLength(1)
  })

  it('sees a file rewritten in place by another hand, and says which file it cannot read', () => {
    const folder = temporaryFolder()
    const images = new FileNodeImages(folder)
    images.add('worker-1', image('docker.io/library/nginx:1.27', 1))
    writeFileSync(join(folder, nodeImagesFileName), JSON.stringify({'worker-1': [image('docker.io/library/redis:7', 5), image('docker.io/library/nginx:1.27', 1)]}))
    expect(images.list('worker-1').map((entry) => entry.name)).toEqual(['docker.io/library/redis:7', 'docker.io/library/nginx:1.27'])
    writeFileSync(join(folder, nodeImagesFileName), '{not json')
    expect(() => images.list('worker-1')).toThrow(NodeImagesFileError)
    expect(() => images.list('worker-1')).toThrow(`cannot read ${join(folder, nodeImagesFileName)}`)
  })
})
