// Whether openssl is on PATH: the certificate tests make their keys and requests with it, as a
// user following the course notes does, and are skipped on a machine without it.
import {execFileSync} from 'node:child_process'

export const hasOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], {stdio: 'ignore'})
    return true
  } catch {
    return false
  }
})()
