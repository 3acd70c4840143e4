// The webhook configurations every write consults, kept in memory as kube-apiserver's informers
// keep them: a list serves while this process holds the store alone and no configuration was
// written through it since the list was read (the store's write listeners say so at once).
// Otherwise the configurations are read again, as the RBAC cache does.
import {isJsonObject, type JsonObject} from '../../api/object.js'
import type {ResourceDefinition} from '../../api/scheme.js'
import {objects, str} from '../../api/strategies/json-fields.js'
import type {Store} from '../../store/store.js'
import {listPrefix} from '../keys.js'
import {objectFromStored} from '../registry.js'

export interface ConfiguredWebhook {
  readonly configuration: string
  readonly hook: JsonObject
}

export class WebhookConfigurations {
  private cached: Promise<ConfiguredWebhook[]> | null = null
  private epoch: number | null = null
  private readonly prefix: string

  constructor(
    private readonly store: Store,
    private readonly definition: ResourceDefinition,
  ) {
    this.prefix = listPrefix(definition, null)
    store.onWrite?.((key) => {
      if (key.startsWith(this.prefix)) this.cached = null
    })
  }

  /** The webhooks of every configuration, configurations by name, webhooks in their order. */
  webhooks(): Promise<ConfiguredWebhook[]> {
    const epoch = this.store.exclusiveWriterEpoch?.() ?? null
    if (epoch === null || epoch !== this.epoch) {
      this.cached = null
      this.epoch = epoch
      if (epoch === null) return this.read()
    }
    if (this.cached) return this.cached
    const reading = this.read()
    this.cached = reading
    // A failed read is not kept: the next request reads again.
    reading.catch(() => {
      if (this.cached === reading) this.cached = null
    })
    return reading
  }

  private async read(): Promise<ConfiguredWebhook[]> {
    const {objects: stored} = await this.store.list(this.prefix)
    const configurations = stored.map((entry) => objectFromStored(entry))
    const nameOf = (configuration: (typeof configurations)[number]) => configuration.metadata.name ?? ''
    configurations.sort((left, right) => (nameOf(left) < nameOf(right) ? -1 : nameOf(left) > nameOf(right) ? 1 : 0))
    return configurations.flatMap((configuration) =>
      objects(configuration.webhooks).filter((hook) => isJsonObject(hook) && str(hook.name).length > 0).map((hook) => ({configuration: configuration.metadata.name ?? '', hook})))
  }
}
