import { toNativeDicomModel } from './native-dicom-model';

describe('DICOM JSON to the Native DICOM Model (PS3.19 A.1)', () => {
  it('writes tags, VRs, keywords, numbered values, person name components, sequences and bulk data', () => {
    const xml = toNativeDicomModel({
      '00200013': { vr: 'IS', Value: [7] },
      '00080005': { vr: 'CS', Value: ['ISO_IR 192'] },
      '00100010': { vr: 'PN', Value: [{ Alphabetic: 'Müller^Hans^^Dr.', Ideographic: '山田^太郎' }] },
      '00080060': { vr: 'CS', Value: ['CT', null] },
      '00081140': { vr: 'SQ', Value: [{ '00081155': { vr: 'UI', Value: ['1.2.3'] } }, {}] },
      '7FE00010': { vr: 'OW', BulkDataURI: 'http://h/dicomweb/studies/1/series/2/instances/3/bulkdata/7FE00010?a=1&b=2' },
      '00291010': { vr: 'OB', InlineBinary: 'AAEC' },
      '00080080': { vr: 'LO', Value: ['A <B> & "C"\u0001'] },
      '00081030': { vr: 'LO' },
    });
    expect(xml).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<NativeDicomModel xmlns="http://dicom.nema.org/PS3.19/models/NativeDICOM" xml:space="preserve">' +
        '<DicomAttribute tag="00080005" vr="CS" keyword="SpecificCharacterSet"><Value number="1">ISO_IR 192</Value></DicomAttribute>' +
        '<DicomAttribute tag="00080060" vr="CS" keyword="Modality"><Value number="1">CT</Value><Value number="2"/></DicomAttribute>' +
        '<DicomAttribute tag="00080080" vr="LO" keyword="InstitutionName"><Value number="1">A &lt;B&gt; &amp; &quot;C&quot;</Value></DicomAttribute>' +
        '<DicomAttribute tag="00081030" vr="LO" keyword="StudyDescription"></DicomAttribute>' +
        '<DicomAttribute tag="00081140" vr="SQ" keyword="ReferencedImageSequence"><Item number="1"><DicomAttribute tag="00081155" vr="UI" keyword="ReferencedSOPInstanceUID"><Value number="1">1.2.3</Value></DicomAttribute></Item><Item number="2"></Item></DicomAttribute>' +
        '<DicomAttribute tag="00100010" vr="PN" keyword="PatientName"><PersonName number="1"><Alphabetic><FamilyName>Müller</FamilyName><GivenName>Hans</GivenName><NamePrefix>Dr.</NamePrefix></Alphabetic><Ideographic><FamilyName>山田</FamilyName><GivenName>太郎</GivenName></Ideographic></PersonName></DicomAttribute>' +
        '<DicomAttribute tag="00200013" vr="IS" keyword="InstanceNumber"><Value number="1">7</Value></DicomAttribute>' +
        '<DicomAttribute tag="00291010" vr="OB"><InlineBinary>AAEC</InlineBinary></DicomAttribute>' +
        '<DicomAttribute tag="7FE00010" vr="OW" keyword="PixelData"><BulkData uri="http://h/dicomweb/studies/1/series/2/instances/3/bulkdata/7FE00010?a=1&amp;b=2"/></DicomAttribute>' +
        '</NativeDicomModel>\n',
    );
  });
});
