// The webhooks of the configurations of one kind, from the cached configurations.
import {isJsonObject, type JsonObject} from '../../api/object.js'
import type {ResourceDefinition} from '../../api/scheme.js'
import {objects, str} from '../../api/strategies/json-fields.js'
import type {Store} from '../../store/store.js'
import {CachedObjects} from './cached-objects.js'

export interface ConfiguredWebhook {
  readonly configuration: string
  readonly hook: JsonObject
}

export class WebhookConfigurations {
  private readonly configurations: CachedObjects

  constructor(store: Store, definition: ResourceDefinition) {
    this.configurations = new CachedObjects(store, definition)
  }

  /** The webhooks of every configuration, configurations by name, webhooks in their order. */
  async webhooks(): Promise<ConfiguredWebhook[]> {
    return (await this.configurations.objects()).flatMap((configuration) =>
      objects(configuration.webhooks).filter((hook) => isJsonObject(hook) && str(hook.name).length > 0).map((hook) => ({configuration: configuration.metadata.name ?? '', hook})))
  }
}
