import { z } from 'zod';

/**
 * The flow language: a conversation as data. JSON on the wire, checked by `checkFlow` on save.
 *
 * A flow has a key, locales (`zh-CN` required) with every text in each, triggers, and steps:
 * `ask` (collects one answer into `save`), `message`, `branch` (on answers, or on where the
 * conversation runs: `CONTEXT_FIELDS`), `action` (a named domain action with inputs mapped from
 * answers or the context) and `end`. `ask`, `message` and `end` may carry a `privateLink` into the
 * private chat. Texts may use `{{name}}` for an
 * answer or an action's output (`{{complaint.number}}`).
 */
export const LOCALES = ['zh-CN', 'en'] as const;
export type Locale = (typeof LOCALES)[number];

export const textSchema = z.partialRecord(z.enum(LOCALES), z.string().trim().min(1).max(2000));
export type Text = z.infer<typeof textSchema>;

const ident = z
  .string()
  .regex(
    /^[a-z][a-z0-9_]{0,39}$/,
    'must be lowercase letters, digits and _ (starting with a letter), at most 40',
  );

export const INPUT_KINDS = [
  'text',
  'number',
  'choice',
  'multi_choice',
  'photo',
  'location',
  'confirm',
] as const;

const option = z.strictObject({ value: z.string().min(1).max(40), label: textSchema });

const validation = z.strictObject({
  minLength: z.number().int().min(0).max(2000).optional(),
  maxLength: z.number().int().min(1).max(2000).optional(),
  pattern: z.string().max(200).optional(),
  min: z.number().optional(),
  max: z.number().optional(),
  integer: z.boolean().optional(),
  minChoices: z.number().int().min(1).optional(),
  maxChoices: z.number().int().min(1).optional(),
});

/**
 * Carries the conversation into the private chat (the chat port's `privateLink`): on Telegram a
 * button opening the private chat with `/start <payload>` (a flow's `button` trigger of that payload
 * fires on it), on WeChat a line asking the person to add the bot and send it `command` privately.
 */
const privateLink = z.strictObject({
  label: textSchema,
  payload: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, '1 to 64 of A-Z a-z 0-9 _ - (a Telegram deep link)'),
  command: textSchema,
});
export type PrivateLink = z.infer<typeof privateLink>;

/**
 * What a conversation knows of where it runs, for action inputs and branch conditions; `chatKind`:
 * `group` or `private`, `channel`: `telegram`, `wechat` (or `simulator`).
 */
export const CONTEXT_FIELDS = [
  'personId',
  'orgId',
  'chatId',
  'channel',
  'chatKind',
  'locale',
  'arg',
] as const;

const askStep = z.strictObject({
  id: ident,
  type: z.literal('ask'),
  input: z.enum(INPUT_KINDS),
  prompt: textSchema,
  save: ident,
  options: z.array(option).min(1).max(12).optional(),
  /** options filled at run time: the complaint categories of the person's compound */
  optionsFrom: z.enum(['categories']).optional(),
  validation: validation.optional(),
  /** the person may answer 跳过 / skip */
  optional: z.boolean().optional(),
  retryPrompt: textSchema,
  /** the prompt also carries the person into the private chat (see `privateLink`) */
  privateLink: privateLink.optional(),
  maxAttempts: z.number().int().min(1).max(10).default(3),
  next: ident,
});

const messageStep = z.strictObject({
  id: ident,
  type: z.literal('message'),
  text: textSchema,
  privateLink: privateLink.optional(),
  next: ident,
});

const condition = z
  .strictObject({
    /** an answer, or a field of an action's output: `registration.pending` */
    answer: z
      .string()
      .regex(/^[a-z][a-z0-9_]{0,39}(\.[A-Za-z0-9_]{1,40}){0,3}$/, 'an answer name, optionally with .field')
      .optional(),
    /** instead of an answer: where the conversation runs (`{ context: 'chatKind', equals: 'private' }`) */
    context: z.enum(CONTEXT_FIELDS).optional(),
    equals: z.union([z.string(), z.number(), z.boolean()]).optional(),
    in: z.array(z.union([z.string(), z.number()])).optional(),
    exists: z.boolean().optional(),
  })
  .refine((c) => (c.answer === undefined) !== (c.context === undefined), {
    message: 'a condition tests either an answer or a context field',
  });
const branchStep = z.strictObject({
  id: ident,
  type: z.literal('branch'),
  cases: z
    .array(z.strictObject({ when: condition, next: ident }))
    .min(1)
    .max(20),
  otherwise: ident,
});

const inputSource = z.union([
  z.strictObject({ answer: ident }),
  // null rides on the string (not a `z.null()` branch): the OpenAPI 3.0 document can say
  // `nullable` only beside a `type`, which a union of types has not
  z.strictObject({ value: z.union([z.string().nullable(), z.number(), z.boolean()]) }),
  // `arg`: what followed the trigger's button payload (`rate:<complaint id>` → the id)
  z.strictObject({ context: z.enum(CONTEXT_FIELDS) }),
]);
const actionStep = z.strictObject({
  id: ident,
  type: z.literal('action'),
  action: z.string().min(1).max(60),
  inputs: z.record(z.string().min(1).max(40), inputSource).default({}),
  /** outputs are saved under this name (default: the step id) */
  save: ident.optional(),
  next: ident,
  /** where to go when the action refuses (its message is sent first); default: end the flow */
  onError: ident.optional(),
});

const endStep = z.strictObject({
  id: ident,
  type: z.literal('end'),
  text: textSchema.optional(),
  privateLink: privateLink.optional(),
});

export const stepSchema = z
  .discriminatedUnion('type', [askStep, messageStep, branchStep, actionStep, endStep])
  .meta({ id: 'FlowStep' });
export type Step = z.infer<typeof stepSchema>;
export type AskStep = z.infer<typeof askStep>;
export type ContextField = (typeof CONTEXT_FIELDS)[number];

export const triggerSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('command'),
    command: z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, 'a Telegram-style command name'),
  }),
  z.strictObject({
    type: z.literal('keyword'),
    keywords: z.array(z.string().trim().min(1).max(20)).min(1).max(20),
  }),
  z.strictObject({ type: z.literal('button'), payload: z.string().min(1).max(60) }),
  z.strictObject({ type: z.literal('system'), event: z.string().min(1).max(60) }),
]);
export type Trigger = z.infer<typeof triggerSchema>;

export const flowDefinitionSchema = z
  .strictObject({
    key: z.string().regex(/^[a-z][a-z0-9_-]{0,39}$/, 'lowercase letters, digits, _ and -'),
    name: textSchema,
    locales: z.array(z.enum(LOCALES)).min(1).max(LOCALES.length),
    triggers: z.array(triggerSchema).min(1).max(20),
    timeoutMinutes: z
      .number()
      .int()
      .min(1)
      .max(24 * 60)
      .default(10),
    start: ident,
    steps: z.array(stepSchema).min(1).max(100),
  })
  .meta({ id: 'FlowDefinition' });
export type FlowDefinition = z.infer<typeof flowDefinitionSchema>;

/** The text in a locale, falling back to zh-CN; `{{a.b}}` filled from `vars`. */
export function render(text: Text | undefined, locale: Locale, vars: Record<string, unknown> = {}): string {
  const raw = text?.[locale] ?? text?.['zh-CN'] ?? '';
  return raw.replace(/\{\{\s*([a-z][a-z0-9_]*(?:\.[a-zA-Z0-9_]+)*)\s*\}\}/g, (_, path: string) => {
    let v: unknown = vars;
    for (const part of path.split('.'))
      v = v && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined;
    return v === undefined || v === null ? '' : String(v);
  });
}
