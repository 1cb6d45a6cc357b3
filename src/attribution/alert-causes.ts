/**
 * @module attribution/alert-causes
 * What a firing burn-rate alert says about its cause: the top cause of its SLO's bad events over
 * the alert's long window (against the same window a week earlier), in one line, and a link to
 * the SLO page's causes over that window. One attribution per SLO and window.
 */
import { parseDurationSeconds } from '../slo/math/index.js';
import type { SloDefinition } from '../slo/spec/index.js';
import type { AttributionService } from './service.js';
import { rangeEndMs } from './service.js';
import { changeWords } from './words.js';

export interface FiringAlert {
  /** The alert's key, as the caller keys its causes. */
  key: string;
  slo: SloDefinition;
  /** The long window as SLO files write it, e.g. `1h`. */
  longWindow: string;
}

export interface AlertCauseText {
  topCause: string;
  attributionUrl: string;
}

export async function alertCauses(
  attribution: Pick<AttributionService, 'attribute'>,
  firing: readonly FiringAlert[],
  { nowMs, publicUrl }: { nowMs: number; publicUrl: string },
): Promise<Map<string, AlertCauseText>> {
  const out = new Map<string, AlertCauseText>();
  const toMs = rangeEndMs(nowMs);
  const asked = new Map<string, Promise<AlertCauseText | undefined>>();
  for (const alert of firing) {
    const seconds = parseDurationSeconds(alert.longWindow);
    if (!seconds.ok) continue;
    const fromMs = toMs - seconds.value * 1000;
    const id = `${alert.slo.name}\u0000${alert.longWindow}`;
    let text = asked.get(id);
    if (text === undefined) {
      text = attribution.attribute(alert.slo, { fromMs, toMs, environment: null, configHash: null, baseline: 'auto' }).then((a) => {
        const top = a.causes[0];
        if (top === undefined) return undefined;
        const share = `${Number((top.share * 100).toFixed(1))} %`;
        const query = `from=${encodeURIComponent(new Date(fromMs).toISOString())}&to=${encodeURIComponent(new Date(toMs).toISOString())}`;
        return {
          topCause: `${top.headline}${changeWords(top)} (${share} of its bad events over ${alert.longWindow})`,
          attributionUrl: `${publicUrl.replace(/\/+$/, '')}/slos/${encodeURIComponent(alert.slo.name)}?${query}#attribution`,
        };
      });
      asked.set(id, text);
    }
    const found = await text.catch(() => undefined);
    if (found !== undefined) out.set(alert.key, found);
  }
  return out;
}
