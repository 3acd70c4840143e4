// klog's line, as Kubernetes' components and kubectl write their logs: severity, MMDD, time to the
// microsecond, the thread (the process id), the source line, the message.

const two = (value: number) => String(value).padStart(2, '0')

/**
 * One klog line, ending in a newline. Times are the local clock's, as a process reads it (kubectl
 * on the user's machine); `utc` for a container's, which runs in UTC.
 */
export function klogLine(severity: 'I' | 'W' | 'E' | 'F', source: string, message: string, milliseconds: number = performance.timeOrigin + performance.now(), pid: number = process.pid, utc = false): string {
  const time = new Date(Math.floor(milliseconds))
  const micros = String(Math.floor((milliseconds % 1000) * 1000)).padStart(6, '0')
  const [month, day, hours, minutes, seconds] = utc
    ? [time.getUTCMonth(), time.getUTCDate(), time.getUTCHours(), time.getUTCMinutes(), time.getUTCSeconds()]
    : [time.getMonth(), time.getDate(), time.getHours(), time.getMinutes(), time.getSeconds()]
  return `${severity}${two(month + 1)}${two(day)} ${two(hours)}:${two(minutes)}:${two(seconds)}.${micros} ${String(pid).padStart(7)} ${source}] ${message}\n`
}
