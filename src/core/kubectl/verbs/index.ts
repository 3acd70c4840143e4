// Every kubectl verb kubemu serves, in the order `kubectl` lists them, each behind a loader of the
// modules it comes from. The dispatcher (kubectl.ts) imports only the modules of the verb it runs:
// the build's verbs manifest (verbs-manifest.ts) tells it every verb's names and flags, and which
// of these sources has which verb. Help, completion and a build without a manifest load them all.
import type {KubectlVerb} from '../verb.js'

/** Verbs that load together: the modules they come from (as the manifest records them) and a loader. */
export interface VerbSource {
  readonly modules: readonly string[]
  load(): Promise<readonly KubectlVerb[]>
}

export const verbSources: readonly VerbSource[] = [
  {
    modules: ['apply.js', 'create.js'],
    load: async () => {
      const [{createFileFlags, runCreateFromFiles}, {createGenerators}] = await Promise.all([import('./apply.js'), import('./create.js')])
      return [{name: 'create', flags: createFileFlags, run: runCreateFromFiles, subverbs: createGenerators}]
    },
  },
  {modules: ['get.js'], load: async () => import('./get.js').then(({getFlags, runGet}) => [{name: 'get', flags: getFlags, run: runGet}])},
  {modules: ['describe.js'], load: async () => import('./describe.js').then(({describeFlags, runDescribe}) => [{name: 'describe', flags: describeFlags, run: runDescribe}])},
  {modules: ['delete.js'], load: async () => import('./delete.js').then(({deleteFlags, runDelete}) => [{name: 'delete', flags: deleteFlags, run: runDelete}])},
  {
    modules: ['apply.js', 'apply-last-applied.js'],
    load: async () => {
      const [{applyFlags, runApply}, {lastAppliedVerbs}] = await Promise.all([import('./apply.js'), import('./apply-last-applied.js')])
      return [{name: 'apply', flags: applyFlags, run: runApply, subverbs: lastAppliedVerbs}]
    },
  },
  {modules: ['run-expose.js'], load: async () => import('./run-expose.js').then(({runFlags, runRun}) => [{name: 'run', flags: runFlags, run: runRun}])},
  {modules: ['run-expose.js'], load: async () => import('./run-expose.js').then(({exposeFlags, runExpose}) => [{name: 'expose', flags: exposeFlags, run: runExpose}])},
  {modules: ['set.js'], load: async () => import('./set.js').then(({setVerb}) => [setVerb])},
  {
    modules: ['replace-edit.js'],
    load: async () => import('./replace-edit.js').then(({replaceFlags, runReplace}) => [{name: 'replace', flags: replaceFlags, run: (session, args) => runReplace(session, args)}]),
  },
  {modules: ['replace-edit.js'], load: async () => import('./replace-edit.js').then(({editFlags, runEdit}) => [{name: 'edit', flags: editFlags, run: runEdit}])},
  {modules: ['modify.js'], load: async () => import('./modify.js').then(({patchFlags, runPatch}) => [{name: 'patch', flags: patchFlags, run: runPatch}])},
  {modules: ['modify.js'], load: async () => import('./modify.js').then(({labelFlags, runLabel}) => [{name: 'label', flags: labelFlags, run: runLabel}])},
  {modules: ['modify.js'], load: async () => import('./modify.js').then(({labelFlags, runAnnotate}) => [{name: 'annotate', flags: labelFlags, run: runAnnotate}])},
  {modules: ['modify.js'], load: async () => import('./modify.js').then(({scaleFlags, runScale}) => [{name: 'scale', flags: scaleFlags, run: runScale}])},
  {modules: ['autoscale.js'], load: async () => import('./autoscale.js').then(({autoscaleFlags, runAutoscale}) => [{name: 'autoscale', flags: autoscaleFlags, run: runAutoscale}])},
  {modules: ['rollout.js'], load: async () => import('./rollout.js').then(({rolloutVerb}) => [rolloutVerb])},
  {modules: ['wait.js'], load: async () => import('./wait.js').then(({waitFlags, runWait}) => [{name: 'wait', flags: waitFlags, run: runWait}])},
  {modules: ['logs.js'], load: async () => import('./logs.js').then(({logsFlags, runLogs}) => [{name: 'logs', flags: logsFlags, run: runLogs}])},
  {modules: ['attach.js'], load: async () => import('./attach.js').then(({attachFlags, runAttach}) => [{name: 'attach', flags: attachFlags, run: runAttach}])},
  {modules: ['stream.js'], load: async () => import('./stream.js').then(({execFlags, runExec}) => [{name: 'exec', flags: execFlags, run: runExec}])},
  {
    modules: ['port-forward.js'],
    load: async () => import('./port-forward.js').then(({portForwardFlags, runPortForward}) => [{name: 'port-forward', flags: portForwardFlags, run: runPortForward}]),
  },
  {modules: ['proxy.js'], load: async () => import('./proxy.js').then(({proxyFlags, runProxy}) => [{name: 'proxy', flags: proxyFlags, run: (session) => runProxy(session)}])},
  {modules: ['cp.js'], load: async () => import('./cp.js').then(({cpFlags, runCp}) => [{name: 'cp', flags: cpFlags, run: runCp}])},
  {modules: ['debug.js'], load: async () => import('./debug.js').then(({debugFlags, runDebug}) => [{name: 'debug', flags: debugFlags, run: runDebug}])},
  {modules: ['certificate.js'], load: async () => import('./certificate.js').then(({certificateVerb}) => [certificateVerb])},
  {modules: ['top.js'], load: async () => import('./top.js').then(({topVerb}) => [topVerb])},
  {modules: ['node-verbs.js'], load: async () => import('./node-verbs.js').then(({cordonFlags, runCordon}) => [{name: 'cordon', flags: cordonFlags, run: runCordon}])},
  {modules: ['node-verbs.js'], load: async () => import('./node-verbs.js').then(({cordonFlags, runUncordon}) => [{name: 'uncordon', flags: cordonFlags, run: runUncordon}])},
  {modules: ['node-verbs.js'], load: async () => import('./node-verbs.js').then(({taintFlags, runTaint}) => [{name: 'taint', flags: taintFlags, run: runTaint}])},
  {modules: ['node-verbs.js'], load: async () => import('./node-verbs.js').then(({drainFlags, runDrain}) => [{name: 'drain', flags: drainFlags, run: runDrain}])},
  {modules: ['explain.js'], load: async () => import('./explain.js').then(({explainFlags, runExplain}) => [{name: 'explain', flags: explainFlags, run: runExplain}])},
  {
    modules: ['events.js'],
    load: async () => import('./events.js').then(({eventsFlags, runEvents}) => [{name: 'events', flags: eventsFlags, run: (session) => runEvents(session)}]),
  },
  {modules: ['diff.js'], load: async () => import('./diff.js').then(({diffFlags, runDiff}) => [{name: 'diff', flags: diffFlags, run: (session) => runDiff(session)}])},
  {modules: ['config.js'], load: async () => import('./config.js').then(({configVerb}) => [configVerb])},
  {modules: ['plugin.js'], load: async () => import('./plugin.js').then(({pluginVerb}) => [pluginVerb])},
  {modules: ['kustomize.js'], load: async () => import('./kustomize.js').then(({kustomizeVerb}) => [kustomizeVerb])},
  {modules: ['../completion.js'], load: async () => import('../completion.js').then(({completionVerb}) => [completionVerb])},
  // version, api-resources, api-versions, cluster-info and auth.
  {modules: ['info.js'], load: async () => import('./info.js').then(({infoVerbs}) => infoVerbs)},
]

/** Every verb, in kubectl's order (what help and completion need, and the manifest is built from). */
export async function loadVerbs(): Promise<readonly KubectlVerb[]> {
  return (await Promise.all(verbSources.map((source) => source.load()))).flat()
}
