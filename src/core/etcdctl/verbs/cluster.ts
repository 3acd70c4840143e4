// etcdctl compaction, member list, endpoint health.
import {EmbeddedClient} from '../../etcd/embedded-client.js'
import {EtcdError} from '../../mvcc/errors.js'
import {type EndpointHealth, printEndpointHealth, printMemberList} from '../../printers/etcdctl-cluster.js'
import {type Verb, ExitError, exitCodes, flag, isSet} from '../verb.js'
import {memberForEndpoint} from '../endpoints.js'

export const clusterVerbs: Record<string, Verb> = {
  compaction: {
    flags: [{name: 'physical', kind: 'bool', defaultValue: 'false'}],
    async run({flags, io, withClient}) {
      if (flags.positionals.length !== 1) throw new ExitError(exitCodes.badArgs, 'compaction command needs 1 argument')
      const text = flags.positionals[0]!
      if (!/^[-+]?\d+$/.test(text)) throw new ExitError(exitCodes.error, `strconv.ParseInt: parsing "${text}": invalid syntax`)
      const revision = Number(text)
      await withClient(async (client) => {
        await client.kv.compact({revision, physical: isSet(flags, 'physical')})
        io.stdout(`compacted revision ${revision}\n`)
      })
      return exitCodes.success
    },
  },
  member: {
    flags: [],
    async run({flags, io, format, withClient}) {
      const [sub] = flags.positionals
      if (sub !== 'list') throw new ExitError(exitCodes.badArgs, `unknown command "${sub ?? ''}" for "etcdctl member"`)
      await withClient(async (client) => {
        const response = await client.cluster.memberList()
        io.stdout(printMemberList(response.header, response.members, format))
      })
      return exitCodes.success
    },
  },
  endpoint: {
    flags: [{name: 'cluster', kind: 'bool', defaultValue: 'false'}],
    async run({flags, io, format, withClient}) {
      const [sub] = flags.positionals
      if (sub !== 'health') throw new ExitError(exitCodes.badArgs, `unknown command "${sub ?? ''}" for "etcdctl endpoint"`)
      const results: EndpointHealth[] = []
      await withClient(async (client) => {
        const endpoints = isSet(flags, 'cluster')
          ? (await client.cluster.memberList()).members.flatMap((member) => member.clientUrls)
          : flag(flags, 'endpoints').split(',')
        for (const endpoint of endpoints) results.push(await checkHealth(client, endpoint))
      })
      const printed = printEndpointHealth(results, format)
      io.stdout(printed.stdout)
      io.stderr(printed.stderr)
      if (results.some((result) => !result.healthy)) throw new ExitError(exitCodes.error, 'unhealthy cluster')
      return exitCodes.success
    },
  },
}

/** etcdctl's health probe: a linearizable get of "health" through the endpoint's member. */
async function checkHealth(client: EmbeddedClient, endpoint: string): Promise<EndpointHealth> {
  const started = process.hrtime.bigint()
  const took = () => Number(process.hrtime.bigint() - started) / 1e6
  const name = memberForEndpoint(endpoint)
  try {
    if (!name) throw new EtcdError('DeadlineExceeded', 'context deadline exceeded')
    const probe = new EmbeddedClient(client.embedded, {endpoint: name, commandTimeoutMilliseconds: 5000})
    await probe.kv.range({key: new TextEncoder().encode('health')})
    return {endpoint, healthy: true, tookMilliseconds: took(), error: ''}
  } catch (error) {
    if (!(error instanceof EtcdError)) throw error
    return {endpoint, healthy: false, tookMilliseconds: took(), error: error.message}
  }
}
