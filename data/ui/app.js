// The kubemu page: reads the status stream of `kubemu up` (one JSON snapshot per line) and draws
// it. Plain DOM, text only (never HTML from the cluster), no framework.
'use strict'
const token = new URLSearchParams(location.search).get('token') || ''
const electionsShownMax = 50
const reconnectMillisecondsMax = 10000
const seen = {members: new Map(), lastIndex: new Map(), elections: [], leaderKey: null, chainKey: null}

function el(tag, attributes, ...children) {
  const node = document.createElement(tag)
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === null || value === undefined || value === false) continue
    if (name === 'class') node.className = value
    else if (name === 'style') for (const [property, setting] of Object.entries(value)) node.style.setProperty(property.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`), setting)
    else node.setAttribute(name, String(value))
  }
  for (const child of children.flat()) if (child !== null && child !== undefined) node.append(typeof child === 'string' || typeof child === 'number' ? String(child) : child)
  return node
}

function replace(id, ...children) {
  document.getElementById(id).replaceChildren(...children.flat())
}

const termColour = (term) => `hsl(${(term * 67) % 360}, 55%, 48%)`
const seconds = (time) => String(time || '').replace(/\.\d+Z$/, 'Z').replace('T', ' ')
const clusterTime = (milliseconds) => new Date(milliseconds).toISOString().replace(/\.\d{3}Z$/, 'Z').replace('T', ' ')

function table(id, headings, rows) {
  replace(id, el('thead', {}, el('tr', {}, headings.map((heading) => el('th', {}, heading)))), el('tbody', {}, rows.map((row) => el('tr', row.attributes || {}, row.cells.map((cell) => el('td', {}, cell))))))
}

function drawMembers(status) {
  const highest = Math.max(0, ...status.members.map((member) => member.lastLogIndex || 0))
  const shown = Math.max(1, ...status.members.map((member) => member.recentEntries.length))
  const first = Math.max(1, highest - shown + 1)
  const rows = status.members.map((member) => {
    const entries = new Map(member.recentEntries.map((entry) => [entry.index, entry]))
    const previous = seen.members.get(member.name)
    const changed = previous && (previous.role !== member.role || previous.term !== member.term)
    const lastSeen = seen.lastIndex.get(member.name) || 0
    seen.members.set(member.name, {role: member.role, term: member.term})
    seen.lastIndex.set(member.name, member.lastLogIndex || 0)
    const cells = []
    for (let index = first; index <= highest; index++) {
      const entry = entries.get(index)
      if (!entry) {
        cells.push(el('span', {class: 'cell missing', title: `index ${index}: not in ${member.name}'s log`}))
        continue
      }
      const classes = ['cell', index <= (member.index || 0) ? 'committed' : '', index <= (member.appliedIndex || 0) ? 'applied' : '', previous && index > lastSeen ? 'fresh' : ''].filter(Boolean).join(' ')
      const state = index <= (member.appliedIndex || 0) ? 'applied' : index <= (member.index || 0) ? 'committed' : 'appended'
      cells.push(el('span', {class: classes, style: {'--term': termColour(entry.term)}, title: `index ${index}, term ${entry.term}: ${state}`, 'data-index': index, 'data-term': entry.term}))
    }
    const value = (number) => (number === null || number === undefined ? '–' : number)
    return el('div', {class: `member${changed ? ' changed' : ''}`, 'data-member': member.name, 'data-role': member.role, 'data-term': value(member.term)},
      el('div', {class: 'facts'},
        el('div', {}, el('span', {class: 'name'}, member.name), el('span', {class: `badge role-${member.role}`}, member.role), member.healthy ? '' : el('span', {class: 'warning'}, ` ${member.error || 'unhealthy'}`)),
        el('div', {class: 'muted'}, `term ${value(member.term)} · commit ${value(member.index)} · applied ${value(member.appliedIndex)}`),
        el('div', {class: 'muted'}, `${value(member.logEntries)} entries since snapshot ${value(member.snapshotIndex)}`)),
      el('div', {class: 'log'}, cells))
  })
  replace('members', rows, el('div', {class: 'indexes'}, el('span', {}, `index ${first}`), el('span', {}, `index ${highest}`)))
  const leader = status.members.find((member) => member.role === 'leader')
  const leaderKey = leader ? `${leader.name}@${leader.term}` : 'none'
  if (leaderKey !== seen.leaderKey) {
    const when = clusterTime(status.time.now)
    seen.elections.push(leader ? `${when}: term ${leader.term}, ${leader.name} leads` : `${when}: no leader (an election is due, or no quorum)`)
    seen.elections = seen.elections.slice(-electionsShownMax)
    seen.leaderKey = leaderKey
    replace('elections', seen.elections.map((line) => el('li', {}, line)))
  }
}

function drawControl(status) {
  const role = (running, leads) => (!running ? 'stopped' : leads ? 'leader' : 'standby')
  table('masters', ['master', 'etcd member', 'kube-apiserver', 'kube-scheduler', 'kube-controller-manager'], status.masters.map((master) => ({
    attributes: {'data-master': master.node},
    cells: [master.node, master.member, master.running ? 'running' : 'stopped', role(master.running, master.schedulerLeads), role(master.running, master.controllerManagerLeads)],
  })))
  table('leases', ['Lease (kube-system)', 'holder', 'renewed (cluster clock)'], status.leases.map((lease) => ({attributes: {'data-lease': lease.name}, cells: [lease.name, lease.holder || '<none>', seconds(lease.renewTime) || '–']})))
}

function drawNodes(status) {
  replace('nodes', status.nodes.map((node) => el('div', {class: 'node', 'data-node': node.name, 'data-ready': node.ready},
    el('span', {class: 'title'}, node.name),
    el('span', {class: `badge ${node.ready === 'Ready' ? 'ok' : 'bad'}`}, node.ready),
    node.stopped ? el('span', {class: 'warning'}, ' kubelet stopped') : '',
    node.schedulable ? '' : el('span', {class: 'warning'}, ' cordoned'),
    el('span', {class: 'muted'}, ` ${node.pods.length} pods`),
    el('div', {class: 'pods'}, node.pods.map((pod) => el('span', {class: 'pod', 'data-pod': pod.name, 'data-phase': pod.phase, 'data-ready': String(pod.ready), title: `${pod.name}: ${pod.phase}${pod.ready ? ', ready' : ''}`}, pod.name.replace(/^[^/]+\//, '')))))))
  replace('pending', status.pending.length === 0 ? [] : [el('h3', {}, `pending pods (${status.pending.length})`), el('ul', {}, status.pending.map((pod) => el('li', {'data-pending': pod.name}, el('b', {}, pod.name), ' ', el('span', {class: 'muted'}, pod.reason))))])
}

function drawServices(status) {
  replace('services', status.services.map((service) => el('div', {class: 'service', 'data-service': service.name},
    el('span', {class: 'title'}, service.name), el('span', {class: 'muted'}, ` ${service.type} ${service.clusterIP} ${service.ports.join(', ')}`),
    el('div', {}, service.endpoints.length === 0 ? el('span', {class: 'warning'}, 'no endpoints') : service.endpoints.map((endpoint) => el('span', {class: 'endpoint', 'data-ready': String(endpoint.ready)}, `${endpoint.ip}${endpoint.pod ? ` → ${endpoint.pod.replace(/^[^/]+\//, '')}` : ''}${endpoint.ready ? '' : ' (not ready)'}`))))))
}

function drawChain(status) {
  const chain = status.latestChange
  const key = chain ? `${chain.root}#${chain.events.length}#${chain.events.at(-1)?.time}` : 'none'
  if (key === seen.chainKey) return
  const animate = seen.chainKey !== null
  seen.chainKey = key
  replace('chain-root', chain ? `root: ${chain.root}` : 'no events yet')
  replace('chain', (chain ? chain.events : []).map((event, step) => el('li', {class: animate ? 'step' : '', style: animate ? {animationDelay: `${step * 150}ms`} : {}},
    el('span', {class: 'muted'}, `${seconds(event.time)} `), el('b', {}, event.component || '?'), ` ${event.reason} `, el('span', {class: 'muted'}, event.object), `: ${event.message}`)))
}

function drawQueues(status) {
  if (!status.queues.running) return replace('queues', el('p', {class: 'muted'}, 'not running'))
  const busy = status.queues.loops.filter((loop) => loop.queued + loop.waiting > 0)
  replace('queues', el('p', {class: 'muted'}, `${status.queues.loops.length} controllers; ${busy.length === 0 ? 'every queue is empty: the cluster has settled' : `${busy.length} with work`}`),
    busy.length === 0 ? [] : el('table', {}, el('tbody', {}, busy.map((loop) => el('tr', {}, el('td', {}, loop.name), el('td', {}, `${loop.queued} queued`), el('td', {}, `${loop.waiting} waiting`))))))
}

function drawEvents(status) {
  table('events', ['time', 'type', 'reason', 'object', 'from', 'message'], status.events.slice(-10).reverse().map((event) => ({cells: [seconds(event.time), event.type, event.reason, event.object, event.component, event.message]})))
}

function draw(status) {
  document.getElementById('problem').hidden = true
  replace('clock', `cluster time ${clusterTime(status.time.now)}`)
  for (const part of [drawMembers, drawControl, drawNodes, drawServices, drawChain, drawQueues, drawEvents]) {
    try {
      part(status)
    } catch (error) {
      problem(`this part of the page could not be drawn: ${error && error.message ? error.message : error}`)
    }
  }
}

function problem(message) {
  const box = document.getElementById('problem')
  box.textContent = message
  box.hidden = false
}

function connection(text, ok) {
  const badge = document.getElementById('connection')
  badge.textContent = text
  badge.className = `badge ${ok ? 'ok' : 'bad'}`
}

async function follow() {
  let delay = 500
  for (;;) {
    try {
      const response = await fetch('/ui/api/watch', {headers: {authorization: `Bearer ${token}`}, cache: 'no-store'})
      if (!response.ok) {
        problem(response.status === 403 ? 'kubemu up refused the page: open the link kubemu up printed (it carries the cluster\'s token)' : `kubemu up answered ${response.status}`)
        connection('refused', false)
        if (response.status === 403) return
      } else {
        connection('live', true)
        delay = 500
        const reader = response.body.getReader()
        const decoder = new TextDecoder()
        let buffered = ''
        for (;;) {
          const {value, done} = await reader.read()
          if (done) break
          buffered += decoder.decode(value, {stream: true})
          let end
          while ((end = buffered.indexOf('\n')) >= 0) {
            const line = buffered.slice(0, end)
            buffered = buffered.slice(end + 1)
            if (!line.trim()) continue
            const event = JSON.parse(line)
            if (event.type === 'ERROR') problem(`the cluster does not answer: ${event.object.message}`)
            else draw(event.object)
          }
        }
      }
    } catch {
      // up stopped or restarted: said on the badge, tried again below.
    }
    connection('reconnecting', false)
    await new Promise((resolve) => setTimeout(resolve, delay))
    delay = Math.min(delay * 2, reconnectMillisecondsMax)
  }
}

follow()
