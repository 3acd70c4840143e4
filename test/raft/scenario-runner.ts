// Runs Raft scenario scripts: one command per line, `#` starts a comment.
//
//   cluster N                     N members n1..nN (seeded), timers running
//   timers on|off                 with timers off, only `campaign` starts elections
//   compact-every N               members snapshot every N applied entries (default 32)
//   campaign ID                   ID starts an election
//   run N                         N ticks of simulated time
//   propose N [via ID]            N proposals, to the leader or to ID
//   partition A B | C             cut every link between the groups
//   heal                          restore every link
//   crash ID / restart ID         stop a member / start it from its persisted state
//   compact ID                    ID snapshots at its applied index and drops the log before
//   transfer ID                   the leader hands leadership to ID
//   add-learner ID / promote ID / remove ID     one-member configuration changes
//   expect leader ID | expect no-leader
//   expect FIELD ID OP VALUE      FIELD: term applied commit last-index first-index snapshots-received
//                                 state; OP: = > < >= <=; VALUE: a number, a state, or `FIELD ID`
import {StateType} from '../../src/core/raft/types.js'
import {SimulatedCluster} from './simulated-cluster.js'

export class ScenarioError extends Error {}

export function runScenario(script: string, seed = 1): SimulatedCluster {
  let cluster: SimulatedCluster | null = null
  const lines = script.split('\n')
  const need = (): SimulatedCluster => {
    if (!cluster) throw new ScenarioError('the script must start with `cluster N`')
    return cluster
  }
  const field = (name: string, id: string): number | string => {
    const world = need()
    const member = world.members.get(id)
    if (!member) throw new ScenarioError(`no member ${id}`)
    const raft = member.raft
    switch (name) {
      case 'applied':
        return member.durable.applied
      case 'snapshots-received':
        return world.snapshotsReceived.get(id) ?? 0
      case 'state':
        return raft ? raft.state : 'down'
    }
    if (!raft) throw new ScenarioError(`${id} is down`)
    switch (name) {
      case 'term':
        return raft.term
      case 'commit':
        return raft.log.committed
      case 'last-index':
        return raft.log.lastIndex()
      case 'first-index':
        return raft.log.firstIndex()
    }
    throw new ScenarioError(`unknown field ${name}`)
  }
  const compare = (left: number | string, operator: string, right: number | string): boolean => {
    switch (operator) {
      case '=':
        return left === right
      case '!=':
        return left !== right
      case '>':
        return left > right
      case '<':
        return left < right
      case '>=':
        return left >= right
      case '<=':
        return left <= right
    }
    throw new ScenarioError(`unknown comparison ${operator}`)
  }
  let proposals = 0
  for (const [position, raw] of lines.entries()) {
    const line = raw.replace(/#.*/, '').trim()
    if (!line) continue
    const words = line.split(/\s+/)
    const where = `line ${position + 1} (${line})`
    try {
      switch (words[0]) {
        case 'cluster':
          cluster = new SimulatedCluster(seed, Number(words[1]))
          break
        case 'timers':
          need().timersRunning = words[1] === 'on'
          break
        case 'compact-every':
          need().compactEveryEntries = Number(words[1])
          break
        case 'campaign':
          need().members.get(words[1]!)!.raft!.campaign()
          need().step()
          break
        case 'run':
          for (let tick = 0; tick < Number(words[1]); tick++) need().step()
          break
        case 'propose': {
          const world = need()
          const target = words[2] === 'via' ? words[3]! : world.leader()?.id
          if (!target) throw new ScenarioError('no leader to propose to')
          for (let count = 0; count < Number(words[1]); count++) {
            if (!world.propose(target, `p${++proposals}`)) throw new ScenarioError(`${target} refused the proposal`)
          }
          world.step()
          break
        }
        case 'partition': {
          const groups = line.slice('partition'.length).split('|').map((group) => group.trim().split(/\s+/))
          need().partition = groups
          break
        }
        case 'heal':
          need().partition = null
          break
        case 'crash':
          need().crash(words[1]!)
          break
        case 'restart':
          need().start(words[1]!)
          break
        case 'compact':
          need().compactNow(words[1]!)
          break
        case 'transfer': {
          const leader = need().leader()
          if (!leader) throw new ScenarioError('no leader to transfer from')
          leader.raft!.transferLeadership(words[1]!)
          need().step()
          break
        }
        case 'add-learner': {
          const world = need()
          const id = world.newMemberId()
          if (id !== words[1]) throw new ScenarioError(`the next new member is ${id}, not ${words[1]}`)
          if (!world.proposeConfChange({type: 'addLearner', nodeId: id})) throw new ScenarioError('the change was refused')
          world.start(id)
          world.step()
          break
        }
        case 'promote':
        case 'remove':
          if (!need().proposeConfChange({type: words[0] === 'promote' ? 'addNode' : 'removeNode', nodeId: words[1]!})) {
            throw new ScenarioError('the change was refused')
          }
          need().step()
          break
        case 'expect': {
          const world = need()
          if (words[1] === 'leader') {
            const leader = world.leader()
            if (leader?.id !== words[2]) throw new ScenarioError(`the leader is ${leader?.id ?? 'nobody'}`)
            break
          }
          if (words[1] === 'no-leader') {
            const leaders = world.live().filter((member) => member.raft!.state === StateType.Leader)
            if (leaders.length > 0) throw new ScenarioError(`${leaders.map((member) => member.id).join(', ')} leads`)
            break
          }
          const [, name, id, operator, ...rest] = words
          const left = field(name!, id!)
          const right = rest.length === 2 ? field(rest[0]!, rest[1]!) : Number.isNaN(Number(rest[0])) ? rest[0]! : Number(rest[0])
          if (!compare(left, operator!, right)) throw new ScenarioError(`${name} of ${id} is ${left}, expected ${operator} ${right}`)
          break
        }
        default:
          throw new ScenarioError(`unknown command ${words[0]}`)
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error)
      throw new ScenarioError(`${where}: ${message}\n${cluster ? (cluster as SimulatedCluster).describe() : ''}`)
    }
  }
  return need()
}
