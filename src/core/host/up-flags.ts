// up's flags that are checked before anything of the cluster loads (a typo costs no start-up).

/** `--etcd-ports`: one port per member (0: any free one), "off", or empty for the members' client URLs. */
export function parseEtcdPorts(text: string): readonly number[] | null | 'off' {
  if (text === '') return null
  if (text === 'off') return 'off'
  return text.split(',').map((part) => {
    const port = Number(part.trim())
    if (!/^\d+$/.test(part.trim()) || port > 65_535) throw new UpFlagError(`invalid --etcd-ports ${JSON.stringify(text)}: give ports (0 for any free one) by member, comma-separated, or "off"`)
    return port
  })
}

export class UpFlagError extends Error {}
