import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The foundation schema: tenants, the catalog of stored objects, the transactional outbox, and the
 * patient/study/series/instance index with each level's DICOM JSON. The tenant is part of every key,
 * so the same UIDs in two tenants never meet (ARCHITECTURE §5).
 */
export class Foundation1732250000000 implements MigrationInterface {
  name = 'Foundation1732250000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE tenant (
        id text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
        name text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );

      -- Every object durably written to the object store, keyed by what it is. Written in the same
      -- transaction as its instance.stored outbox event (ARCHITECTURE §3).
      CREATE TABLE stored_object (
        tenant_id text NOT NULL REFERENCES tenant (id),
        sop_instance_uid text NOT NULL,
        study_instance_uid text NOT NULL,
        series_instance_uid text NOT NULL,
        sop_class_uid text NOT NULL,
        transfer_syntax_uid text NOT NULL,
        object_key text NOT NULL UNIQUE,
        size_bytes bigint NOT NULL,
        dataset_offset integer NOT NULL,
        dataset_sha256 char(64) NOT NULL,
        stored_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, sop_instance_uid)
      );
      CREATE INDEX stored_object_by_series ON stored_object (tenant_id, study_instance_uid, series_instance_uid);

      -- The transactional outbox: events recorded with the change that caused them, published by the relay.
      CREATE TABLE outbox_event (
        position bigserial PRIMARY KEY,
        event_id uuid NOT NULL UNIQUE,
        topic text NOT NULL,
        message_key text NOT NULL,
        envelope jsonb NOT NULL,
        headers jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        -- A relay claims rows for a while before publishing them, so that relays of several replicas
        -- share the work without holding a transaction open across the publish.
        lease_owner text,
        lease_until timestamptz,
        published_at timestamptz
      );
      CREATE INDEX outbox_event_unpublished ON outbox_event (position) WHERE published_at IS NULL;

      CREATE TABLE patient (
        id bigserial PRIMARY KEY,
        tenant_id text NOT NULL REFERENCES tenant (id),
        patient_id text NOT NULL,
        issuer_of_patient_id text NOT NULL,
        patient_name text,
        patient_birth_date text,
        patient_sex text,
        attributes jsonb NOT NULL,
        updated_at timestamptz NOT NULL,
        UNIQUE (tenant_id, patient_id, issuer_of_patient_id)
      );

      -- Matching keys of PS3.18 Table 10.6.1-5 are columns; every other attribute is matched in the JSON.
      CREATE TABLE study (
        tenant_id text NOT NULL REFERENCES tenant (id),
        study_instance_uid text NOT NULL,
        patient_fk bigint NOT NULL REFERENCES patient (id),
        study_date text,
        study_time text,
        accession_number text,
        study_id text,
        study_description text,
        referring_physician_name text,
        patient_name text,
        patient_id text,
        patient_birth_date text,
        patient_sex text,
        modalities_in_study text[] NOT NULL DEFAULT '{}',
        sop_classes_in_study text[] NOT NULL DEFAULT '{}',
        number_of_series integer NOT NULL DEFAULT 0,
        number_of_instances integer NOT NULL DEFAULT 0,
        attributes jsonb NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, study_instance_uid)
      );
      CREATE INDEX study_by_date ON study (tenant_id, study_date);
      CREATE INDEX study_by_patient_id ON study (tenant_id, patient_id);
      CREATE INDEX study_by_accession ON study (tenant_id, accession_number);

      CREATE TABLE series (
        tenant_id text NOT NULL REFERENCES tenant (id),
        series_instance_uid text NOT NULL,
        study_instance_uid text NOT NULL,
        modality text,
        series_number integer,
        series_description text,
        performed_procedure_step_start_date text,
        performed_procedure_step_start_time text,
        number_of_instances integer NOT NULL DEFAULT 0,
        attributes jsonb NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, series_instance_uid),
        FOREIGN KEY (tenant_id, study_instance_uid) REFERENCES study (tenant_id, study_instance_uid)
      );
      CREATE INDEX series_by_study ON series (tenant_id, study_instance_uid);

      CREATE TABLE instance (
        tenant_id text NOT NULL REFERENCES tenant (id),
        sop_instance_uid text NOT NULL,
        series_instance_uid text NOT NULL,
        study_instance_uid text NOT NULL,
        sop_class_uid text NOT NULL,
        instance_number integer,
        transfer_syntax_uid text NOT NULL,
        object_key text NOT NULL,
        size_bytes bigint NOT NULL,
        dataset_offset integer NOT NULL,
        dataset_sha256 char(64) NOT NULL,
        metadata jsonb NOT NULL,
        stored_at timestamptz NOT NULL,
        indexed_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, sop_instance_uid),
        FOREIGN KEY (tenant_id, series_instance_uid) REFERENCES series (tenant_id, series_instance_uid)
      );
      CREATE INDEX instance_by_series ON instance (tenant_id, study_instance_uid, series_instance_uid);
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE instance, series, study, patient, outbox_event, stored_object, tenant');
  }
}
