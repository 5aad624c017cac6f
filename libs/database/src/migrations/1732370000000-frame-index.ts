import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The frame index of each stored object (issue 4): where each frame of its Pixel Data lies, so that
 * WADO-RS frames are byte-range reads. NULL for objects stored before it, until a first frame request
 * builds it.
 */
export class FrameIndex1732370000000 implements MigrationInterface {
  name = 'FrameIndex1732370000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE stored_object ADD COLUMN frame_index bytea');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE stored_object DROP COLUMN frame_index');
  }
}
