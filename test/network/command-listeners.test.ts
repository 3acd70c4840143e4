// Ports a container's own command listens on: nc -l, busybox httpd, python -m http.server, alone
// or in an sh -c script; what they answer on the pod's port.
import {describe, expect, it} from 'vitest'
import {commandListeners} from '../../src/core/network/command-listeners.js'
import {containerResponse} from '../../src/core/network/container-servers.js'
import {pod, view} from './view-fixture.js'

const get = {method: 'GET', path: '/', headers: {}}

describe('listeners started by a container command', () => {
  it('reads nc -l, httpd -p and python -m http.server, with their default ports', () => {
    expect(commandListeners({command: ['nc', '-lk', '-p', '9000']})).toEqual([{port: 9000, program: 'nc', answersHttp: false}])
    expect(commandListeners({command: ['sh', '-c', 'echo start; while true; do nc -l 7000; done']})).toEqual([{port: 7000, program: 'nc', answersHttp: false}])
    expect(commandListeners({command: ['httpd', '-f', '-p', '8080', '-h', '/www']})).toEqual([{port: 8080, program: 'httpd', answersHttp: true}])
    expect(commandListeners({command: ['httpd', '-f']})).toMatchObject([{port: 80}])
    expect(commandListeners({args: ['python3', '-m', 'http.server']})).toMatchObject([{port: 8000, program: 'http.server'}])
    expect(commandListeners({command: ['python', '-m', 'http.server', '9090']})).toMatchObject([{port: 9090}])
    expect(commandListeners({command: ['sh', '-c', 'sleep 3600']})).toEqual([])
    expect(commandListeners({command: ['nc', 'example.com', '80']})).toEqual([])
  })

  it('answers on the port the command listens on, whatever the pod declares: HTTP, or an empty reply from nc', () => {
    const web = pod('py', {image: 'python:3.12', command: ['python3', '-m', 'http.server', '8000']})
    expect(containerResponse(view([web]), web, 8000, get)).toMatchObject({status: 200})
    expect(containerResponse(view([web]), web, 8001, get)).toBe('refused')
    const listener = pod('nc', {command: ['sh', '-c', 'nc -lk -p 9000']})
    expect(containerResponse(view([listener]), listener, 9000, get)).toMatchObject({status: 0, reason: 'Empty reply from server'})
  })
})
