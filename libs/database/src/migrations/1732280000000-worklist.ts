import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The modality worklist: scheduled procedure steps per tenant, keyed like dcm4chee's MWL items by
 * Study Instance UID and Scheduled Procedure Step ID. Each row keeps the whole item as DICOM JSON
 * (PS3.4 K.6.1.2.2) and, as columns, the attributes modalities match on most, so that a worklist
 * query is narrowed in SQL before the rest of its keys are matched on the items.
 */
export class Worklist1732280000000 implements MigrationInterface {
  name = 'Worklist1732280000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE worklist_item (
        tenant_id text NOT NULL REFERENCES tenant (id),
        study_instance_uid text NOT NULL,
        sps_id text NOT NULL,
        patient_id text NOT NULL,
        -- The Alphabetic group, upper-cased by Tessera (not by the database's locale), for matching
        -- person names case-insensitively as the in-memory matching does.
        patient_name_upper text,
        accession_number text,
        requested_procedure_id text NOT NULL,
        modality text NOT NULL,
        scheduled_station_ae_titles text[] NOT NULL,
        sps_start_date text NOT NULL,
        sps_start_time text NOT NULL,
        sps_status text NOT NULL,
        attributes jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, study_instance_uid, sps_id)
      );
      CREATE INDEX worklist_item_by_start ON worklist_item (tenant_id, sps_start_date, sps_start_time);
      CREATE INDEX worklist_item_by_patient_id ON worklist_item (tenant_id, patient_id);
      CREATE INDEX worklist_item_by_accession ON worklist_item (tenant_id, accession_number);
      CREATE INDEX worklist_item_by_station ON worklist_item USING gin (scheduled_station_ae_titles);
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE worklist_item');
  }
}
