import { parseChoiceNumber } from '../kernel/chat/port.js';
import { type AddressKey, buildingKey, buildingText, normaliseAddress, roomKey, unitKey } from './address.js';
import { engineTexts } from './engine-texts.js';
import type { AskStep, Locale } from './flow-schema.js';

/**
 * Turns what a person sent into the answer an `ask` step wants, or the reason it can't (in the
 * person's language, for the re-prompt). Pure: no I/O; unit lookups happen in the engine.
 */
export interface AnswerInput {
  text?: string;
  /** a pressed button's payload, or the choice a bare number picked on WeChat */
  choice?: string;
  media: { kind: string; ref: string }[];
}

export interface Option {
  value: string;
  label: string;
}

/**
 * An address in its canonical spelling: building '3栋' or 'B座', unit '2单元' ('' when none was
 * named), room '501'. Once checked against a compound's register it is that entry's own spelling,
 * with the entry's id.
 */
export interface Location {
  building: string;
  unit: string;
  room: string;
  /** the owner-register entry this address is (set by the register check) */
  unitId?: number;
}

export type Parsed = { ok: true; value: unknown } | { ok: false; reason: string };

export const OPTION_PREFIX = 'opt:';
const SKIP = /^(跳过|略过|skip)$/i;
const YES = /^(是|是的|对|好|好的|确认|确定|同意|嗯|y|yes|ok|1)$/i;
const NO = /^(否|不|不是|不对|不用|取消提交|n|no|2)$/i;

const toHalfWidth = (s: string) =>
  s.replace(/[\uff01-\uff5e]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0)).replace(/\u3000/g, ' ');

export function parseAnswer(step: AskStep, input: AnswerInput, options: Option[], locale: Locale): Parsed {
  const r = engineTexts(locale).reasons;
  const text = input.text?.trim();
  if (step.optional && text && SKIP.test(text)) return { ok: true, value: null };
  const v = step.validation ?? {};
  switch (step.input) {
    case 'text': {
      if (!text) return { ok: false, reason: r.needText };
      const length = [...text].length;
      if (v.minLength !== undefined && length < v.minLength)
        return { ok: false, reason: r.tooShort(v.minLength) };
      if (v.maxLength !== undefined && length > v.maxLength)
        return { ok: false, reason: r.tooLong(v.maxLength) };
      if (v.pattern !== undefined && !new RegExp(v.pattern, 'u').test(text))
        return { ok: false, reason: r.pattern };
      return { ok: true, value: text };
    }
    case 'number': {
      const n = text ? Number(toHalfWidth(text).replace(/[,，\s]/g, '')) : Number.NaN;
      if (!text || !Number.isFinite(n)) return { ok: false, reason: r.notNumber };
      if (v.integer && !Number.isInteger(n)) return { ok: false, reason: r.notInteger };
      if (v.min !== undefined && n < v.min) return { ok: false, reason: r.tooSmall(v.min) };
      if (v.max !== undefined && n > v.max) return { ok: false, reason: r.tooLarge(v.max) };
      return { ok: true, value: n };
    }
    case 'choice': {
      const picked = pickOne(input, text, options);
      return picked ? { ok: true, value: picked.value } : { ok: false, reason: r.notChoice(options.length) };
    }
    case 'multi_choice': {
      if (input.choice?.startsWith(OPTION_PREFIX)) {
        const one = options.find((o) => `${OPTION_PREFIX}${o.value}` === input.choice);
        if (one) return { ok: true, value: [one.value] };
      }
      const parts = text
        ? toHalfWidth(text)
            .split(/[\s,，、;；]+/)
            .filter(Boolean)
        : [];
      const values: string[] = [];
      for (const p of parts) {
        const n = parseChoiceNumber(p, options.length);
        const o = n ? options[n - 1] : options.find((x) => x.label === p || x.value === p);
        if (!o) return { ok: false, reason: r.notChoice(options.length) };
        if (!values.includes(o.value)) values.push(o.value);
      }
      if (values.length === 0) return { ok: false, reason: r.notChoice(options.length) };
      if (v.minChoices !== undefined && values.length < v.minChoices)
        return { ok: false, reason: r.tooFewChoices(v.minChoices) };
      if (v.maxChoices !== undefined && values.length > v.maxChoices)
        return { ok: false, reason: r.tooManyChoices(v.maxChoices) };
      return { ok: true, value: values };
    }
    case 'photo': {
      const photo = input.media.find((m) => m.kind === 'photo');
      return photo ? { ok: true, value: photo.ref } : { ok: false, reason: r.needPhoto };
    }
    case 'location': {
      const loc = text ? parseLocation(text) : null;
      return loc ? { ok: true, value: loc } : { ok: false, reason: r.notLocation };
    }
    case 'confirm': {
      if (input.choice === `${OPTION_PREFIX}yes`) return { ok: true, value: true };
      if (input.choice === `${OPTION_PREFIX}no`) return { ok: true, value: false };
      if (text && YES.test(toHalfWidth(text))) return { ok: true, value: true };
      if (text && NO.test(toHalfWidth(text))) return { ok: true, value: false };
      return { ok: false, reason: r.notConfirm };
    }
  }
}

/** The option a pressed button, a bare number or an option's label picks. */
export function pickOne(input: AnswerInput, text: string | undefined, options: Option[]): Option | undefined {
  if (input.choice?.startsWith(OPTION_PREFIX)) {
    return options.find((o) => `${OPTION_PREFIX}${o.value}` === input.choice);
  }
  if (!text) return undefined;
  const n = parseChoiceNumber(text, options.length);
  if (n) return options[n - 1];
  const t = toHalfWidth(text).toLowerCase();
  return options.find((o) => o.label.toLowerCase() === t || o.value.toLowerCase() === t);
}

/**
 * Whatever way a resident wrote it (「3号楼2单元501室」「3#2-501」「三栋二单元501」「B座1203」…, see
 * address.ts), the address in its canonical spelling, or null when it names no building and room.
 */
export function parseLocation(raw: string): Location | null {
  const key = normaliseAddress(raw);
  return key ? locationOf(key) : null;
}

/** The canonical spelling of a key. */
export function locationOf(key: AddressKey): Location {
  return {
    building: buildingText(key.building),
    unit: key.unit ? `${key.unit}单元` : '',
    room: key.room,
  };
}

/** The key of a location (typed or a register entry's names). */
export function locationKey(loc: { building: string; unit: string; room: string }): AddressKey {
  return { building: buildingKey(loc.building), unit: unitKey(loc.unit), room: roomKey(loc.room) };
}

/** How a location reads: 3栋2单元501. */
export const locationText = (l: Location) => `${l.building}${l.unit}${l.room}`;
