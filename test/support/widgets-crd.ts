// A CustomResourceDefinition the APIService tests register (stable.example.com, served at v1),
// with further versions where a test needs them (one line of `versions` each).
export function widgetsCrd(...moreVersions: string[]): string {
  return `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.stable.example.com
spec:
  group: stable.example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget}
  versions:
  - {name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object}}}
${moreVersions.map((version) => `  - ${version}\n`).join('')}`
}
