// The nodes' images in the cluster folder, a file per node, as `up` and one-shot commands share
// them: each reader keeps what it read and reads again only when the file changed, so a change
// made by another process (another FileNodeImages on the same folder) is always seen; a node's
// pull rewrites its own file only; the one table file of older clusters is still read.
import {statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {FileNodeImages, NodeImagesFileError, nodeImagesFileName, nodeImagesFolderName} from '../../src/core/kubelet/node-images.js'
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
    const file = join(folder, nodeImagesFolderName, 'worker-1.json')
    writeFileSync(file, JSON.stringify([image('docker.io/library/redis:7', 5), image('docker.io/library/nginx:1.27', 1)]))
    expect(images.list('worker-1').map((entry) => entry.name)).toEqual(['docker.io/library/redis:7', 'docker.io/library/nginx:1.27'])
    writeFileSync(file, '{not json')
    expect(() => images.list('worker-1')).toThrow(NodeImagesFileError)
    expect(() => images.list('worker-1')).toThrow(`cannot read ${file}`)
    expect(() => images.add('../x', image('docker.io/library/nginx:1.27', 1))).toThrow(NodeImagesFileError)
  })

  it("rewrites only the pulling node's file, and reads an older cluster's one table for nodes without their own", () => {
    const folder = temporaryFolder()
    writeFileSync(join(folder, nodeImagesFileName), JSON.stringify({'worker-1': [image('docker.io/library/redis:7', 5)], 'worker-2': [image('docker.io/library/nginx:1.27', 1)]}))
    const images = new FileNodeImages(folder)
    expect(images.has('worker-1', 'redis:7')).toBe(true)
    images.add('worker-1', image('docker.io/library/busybox:1.36', 6))
    expect(images.list('worker-1').map((entry) => entry.name)).toEqual(['docker.io/library/redis:7', 'docker.io/library/busybox:1.36'])
    expect(new FileNodeImages(folder).list('worker-2').map((entry) => entry.name)).toEqual(['docker.io/library/nginx:1.27'])
    const before = statSync(join(folder, nodeImagesFolderName, 'worker-1.json'), {bigint: true})
    for (let node = 2; node <= 50; node++) images.add(`worker-${node}`, image('docker.io/library/busybox:1.36', node))
    const after = statSync(join(folder, nodeImagesFolderName, 'worker-1.json'), {bigint: true})
    expect([after.ino, after.mtimeNs]).toEqual([before.ino, before.mtimeNs])
    expect(images.list('worker-2').map((entry) => entry.name)).toEqual(['docker.io/library/nginx:1.27', 'docker.io/library/busybox:1.36'])
  })
})
