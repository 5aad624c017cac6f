import { Foundation1732250000000 } from './1732250000000-foundation';
import { ApplicationEntities1732260000000 } from './1732260000000-application-entities';
import { StorageCommitment1732270000000 } from './1732270000000-storage-commitment';
import { Worklist1732280000000 } from './1732280000000-worklist';
import { Mpps1732290000000 } from './1732290000000-mpps';
import { Hl71732300000000 } from './1732300000000-hl7';
import { Audit1732310000000 } from './1732310000000-audit';
import { RisDemographics1732330000000 } from './1732330000000-ris-demographics';
import { StudyStability1732330000001 } from './1732330000001-study-stability';
import { Hl7Outbound1732330000002 } from './1732330000002-hl7-outbound';
import { FhirSubscriptions1732340000000 } from './1732340000000-fhir-subscriptions';
import { PatientMergeUndo1732340000001 } from './1732340000001-patient-merge-undo';
import { Erasure1732350000000 } from './1732350000000-erasure';
import { StudyGrants1732360000000 } from './1732360000000-study-grants';
import { FrameIndex1732370000000 } from './1732370000000-frame-index';
import { InstanceDeletion1732370000001 } from './1732370000001-instance-deletion';
import { PersonNameFuzzyMatching1732370000002 } from './1732370000002-person-name-fuzzy-matching';
import { DeletionAudit1732380000000 } from './1732380000000-deletion-audit';

/** Every migration, oldest first. */
export const MIGRATIONS = [
  Foundation1732250000000,
  ApplicationEntities1732260000000,
  StorageCommitment1732270000000,
  Worklist1732280000000,
  Mpps1732290000000,
  Hl71732300000000,
  Audit1732310000000,
  RisDemographics1732330000000,
  StudyStability1732330000001,
  Hl7Outbound1732330000002,
  FhirSubscriptions1732340000000,
  PatientMergeUndo1732340000001,
  Erasure1732350000000,
  StudyGrants1732360000000,
  FrameIndex1732370000000,
  InstanceDeletion1732370000001,
  PersonNameFuzzyMatching1732370000002,
  DeletionAudit1732380000000,
];
