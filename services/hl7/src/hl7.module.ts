import { Module } from '@nestjs/common';

/**
 * The hl7 role: HL7 v2 over MLLP, FHIR R4 and the modality worklist. Its features arrive with the
 * RIS/EMR integration work; until then it runs as an empty role.
 */
@Module({})
export class Hl7Module {}
