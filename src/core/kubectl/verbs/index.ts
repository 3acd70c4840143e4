// Every kubectl verb kubemu serves, in the order `kubectl` lists them.
import {autoscaleFlags, runAutoscale} from './autoscale.js'
import type {KubectlVerb} from '../verb.js'
import {applyFlags, createFileFlags, runApply, runCreateFromFiles} from './apply.js'
import {configVerb} from './config.js'
import {kustomizeVerb} from './kustomize.js'
import {completionVerb} from '../completion.js'
import {createGenerators} from './create.js'
import {deleteFlags, runDelete} from './delete.js'
import {describeFlags, runDescribe} from './describe.js'
import {getFlags, runGet} from './get.js'
import {infoVerbs} from './info.js'
import {cordonFlags, drainFlags, runCordon, runDrain, runTaint, runUncordon, taintFlags} from './node-verbs.js'
import {logsFlags, runLogs} from './logs.js'
import {portForwardFlags, runPortForward} from './port-forward.js'
import {execFlags, runExec} from './stream.js'
import {attachFlags, runAttach} from './attach.js'
import {cpFlags, runCp} from './cp.js'
import {rolloutVerb} from './rollout.js'
import {topVerb} from './top.js'
import {setVerb} from './set.js'
import {runWait, waitFlags} from './wait.js'
import {explainFlags, runExplain} from './explain.js'
import {diffFlags, eventsFlags, runDiff, runEvents} from './events-diff.js'
import {editFlags, replaceFlags, runEdit, runReplace} from './replace-edit.js'
import {exposeFlags, runExpose, runFlags, runRun} from './run-expose.js'
import {labelFlags, patchFlags, runAnnotate, runLabel, runPatch, runScale, scaleFlags} from './modify.js'

export const verbs: readonly KubectlVerb[] = [
  {name: 'create', flags: createFileFlags, run: runCreateFromFiles, subverbs: createGenerators},
  {name: 'get', flags: getFlags, run: runGet},
  {name: 'describe', flags: describeFlags, run: runDescribe},
  {name: 'delete', flags: deleteFlags, run: runDelete},
  {name: 'apply', flags: applyFlags, run: runApply},
  {name: 'run', flags: runFlags, run: runRun},
  {name: 'expose', flags: exposeFlags, run: runExpose},
  setVerb,
  {name: 'replace', flags: replaceFlags, run: (session, args) => runReplace(session, args)},
  {name: 'edit', flags: editFlags, run: runEdit},
  {name: 'patch', flags: patchFlags, run: runPatch},
  {name: 'label', flags: labelFlags, run: runLabel},
  {name: 'annotate', flags: labelFlags, run: runAnnotate},
  {name: 'scale', flags: scaleFlags, run: runScale},
  {name: 'autoscale', flags: autoscaleFlags, run: runAutoscale},
  rolloutVerb,
  {name: 'wait', flags: waitFlags, run: runWait},
  {name: 'logs', aliases: ['log'], flags: logsFlags, run: runLogs},
  {name: 'attach', flags: attachFlags, run: runAttach},
  {name: 'exec', flags: execFlags, run: runExec},
  {name: 'port-forward', flags: portForwardFlags, run: runPortForward},
  {name: 'cp', flags: cpFlags, run: runCp},
  topVerb,
  {name: 'cordon', flags: cordonFlags, run: runCordon},
  {name: 'uncordon', flags: cordonFlags, run: runUncordon},
  {name: 'taint', flags: taintFlags, run: runTaint},
  {name: 'drain', flags: drainFlags, run: runDrain},
  {name: 'explain', flags: explainFlags, run: runExplain},
  {name: 'events', aliases: ['event', 'ev'], flags: eventsFlags, run: (session) => runEvents(session)},
  {name: 'diff', flags: diffFlags, run: (session) => runDiff(session)},
  configVerb,
  kustomizeVerb,
  completionVerb,
  ...infoVerbs,
]
