/**
 * @module gate/service
 * What `POST /v1/gate` does: gather the evidence, decide, record the decision, answer. Routes
 * parse and shape; this is the one place a decision is made and logged.
 */
import { randomUUID } from 'node:crypto';
import type { GatePolicy, SloDefinition } from '../slo/spec/index.js';
import { gateAnswer, type GateAnswer } from './answer.js';
import { decide } from './decide.js';
import type { DecisionLog } from './decision-log.js';
import { decideNamingCauses, gatherEvidence, type EvidenceSources } from './evidence.js';
import type { GateRequest, GateVerdict } from './types.js';

export interface GateDefinitions {
  slos: readonly SloDefinition[];
  policies: readonly GatePolicy[];
  revision: string;
}

export interface GateService {
  decide(request: GateRequest, asSent: Readonly<Record<string, unknown>>): Promise<{ verdict: GateVerdict; answer: GateAnswer }>;
}

export function createGateService({ definitions, sources, decisions, publicUrl, now = Date.now }: {
  definitions: () => GateDefinitions;
  sources: EvidenceSources;
  decisions: DecisionLog;
  publicUrl: string;
  now?: () => number;
}): GateService {
  return {
    async decide(request, asSent) {
      const loaded = definitions();
      const nowMs = now();
      const gathered = await gatherEvidence({ sources, slos: loaded.slos, policies: loaded.policies, request, nowMs });
      // A deny names its top cause: only then are the release's bad events read from the store.
      const { input, verdict } = await decideNamingCauses(sources, gathered, decide(gathered));
      const decisionId = randomUUID();
      const answer = gateAnswer(input, verdict, { decisionId, decidedAtMs: nowMs, publicUrl, sloRevision: loaded.revision });
      decisions.record({
        id: decisionId, decidedAtMs: nowMs, app: request.app, environment: request.environment, configHash: request.configHash,
        revision: request.revision, request: asSent, answer,
      });
      return { verdict, answer };
    },
  };
}
