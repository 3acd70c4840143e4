// The simulated filesystem's own rules: a clone shares nothing it changes with its source, a
// process's view writes with its clock and owner, and reading checks every directory on the way.
import {describe, expect, it} from 'vitest'
import {SimulatedFileSystem} from '../../src/core/kubelet/shell/filesystem.js'

const user = {uid: 1000, gid: 1000, groups: []}

describe('the simulated filesystem', () => {
  it('keeps a clone and its source apart, both ways, in what they list', () => {
    const source = new SimulatedFileSystem()
    source.makeDirectories('/etc/app')
    source.write('/etc/app/a', 'a')
    const copy = source.clone()
    copy.write('/etc/app/b', 'b')
    source.write('/etc/app/c', 'c')
    copy.remove('/etc/app/a', false)
    expect(source.list('/etc/app')).toEqual(['a', 'c'])
    expect(copy.list('/etc/app')).toEqual(['b'])
    expect(copy.clone().list('/etc/app')).toEqual(['b'])
  })

  it("writes through a process's view with its time and owner, leaving the kubelet's view as it was", () => {
    const fs = new SimulatedFileSystem(1_000)
    fs.makeDirectories('/home')
    fs.describe('/home', {mode: 0o777})
    const process = fs.actingAs({clock: () => 5_000, accessor: user})
    process.write('/home/note', 'x')
    fs.write('/home/kubelet', 'y')
    expect(fs.status('/home/note', false)).toMatchObject({uid: 1000, gid: 1000, modifiedAtMilliseconds: 5_000})
    expect(fs.status('/home/kubelet', false)).toMatchObject({uid: 0, gid: 0, modifiedAtMilliseconds: 1_000})
    expect(() => process.write('/etc-note', 'x')).toThrow("can't create '/etc-note': Permission denied")
  })

  it('refuses to read a readable file in a directory the process may not search, and a directory', () => {
    const fs = new SimulatedFileSystem()
    fs.makeDirectories('/secret/inner')
    fs.write('/secret/inner/file', 'hidden')
    fs.describe('/secret', {mode: 0o700})
    const process = fs.actingAs({clock: null, accessor: user})
    expect(process.readFile('/secret/inner/file')).toEqual({error: 'Permission denied'})
    expect(fs.readFile('/secret/inner/file')).toEqual({content: 'hidden'})
    expect(process.readFile('/secret')).toEqual({error: 'Is a directory'})
    expect(process.readFile('/nothing')).toEqual({error: 'No such file or directory'})
  })

  it('counts each byte once: a file written and removed again and again never fills the container', () => {
    const fs = new SimulatedFileSystem()
    const megabyte = 'x'.repeat(1024 * 1024)
    for (let round = 0; round < 40; round++) {
      fs.write('/big', megabyte)
      fs.rename('/big', '/moved')
      fs.remove('/moved', false)
    }
    expect(fs.list('/')).toEqual([])
  })

  it("renames as rename(2) allows: not another user's entry in a sticky directory, not over a read-only file", () => {
    const fs = new SimulatedFileSystem()
    fs.makeDirectories('/tmp')
    fs.describe('/tmp', {mode: 0o1777})
    fs.write('/tmp/roots', 'r')
    fs.makeDirectories('/etc/app')
    fs.describe('/etc/app', {mode: 0o777})
    fs.write('/etc/app/config', 'c', false, true)
    const process = fs.actingAs({clock: null, accessor: user})
    process.write('/tmp/mine', 'm')
    expect(() => process.rename('/tmp/roots', '/tmp/taken')).toThrow('Operation not permitted')
    expect(() => process.rename('/tmp/mine', '/tmp/roots')).toThrow('Operation not permitted')
    expect(() => fs.rename('/tmp/mine', '/etc/app/config')).toThrow('Read-only file system')
    process.rename('/tmp/mine', '/tmp/still-mine')
    expect(fs.readFile('/tmp/still-mine')).toEqual({content: 'm'})
  })
})
