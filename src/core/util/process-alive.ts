// Whether a process of this machine runs: signal 0 checks without sending anything (a process of
// another user answers EPERM, and runs).
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
