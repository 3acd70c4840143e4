// The printer of the webhook configurations (kube's pkg/printers/internalversion): NAME WEBHOOKS AGE.
import {age, ageColumn, column, nameColumn, type Printer} from './table.js'

export const webhookConfigurationPrinter: Printer = {
  columns: [nameColumn, column('Webhooks', 'integer', 0, 'Webhooks indicates the number of webhooks registered in this configuration.'), ageColumn],
  row: (object, now) => [object.metadata.name ?? '', Array.isArray(object.webhooks) ? object.webhooks.length : 0, age(object, now)],
}
