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
})
