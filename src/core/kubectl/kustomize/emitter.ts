// A build's text as kustomize prints it: each object through JSON into YAML (keys sorted,
// go-yaml v2's quoting and line folding), objects separated by `---` lines.
import {goYaml} from '../../printers/kubectl/go-yaml.js'
import type {KustomizeResource} from './resource.js'

export function emitResources(resources: readonly KustomizeResource[]): string {
  return resources.map((resource) => goYaml(resource.object)).join('---\n')
}
