import { allowedMethods, capabilitiesJson, capabilitiesWadl, resourceAt } from './dicomweb-capabilities';

describe('DICOMweb capabilities (PS3.18 8.9, Annex H)', () => {
  it('finds the resource of a path, templates filled with anything, and nothing for unknown paths', () => {
    expect(resourceAt('')?.path).toBe('');
    expect(resourceAt('/studies')?.path).toBe('studies');
    expect(resourceAt('/studies/1.2.3/series/4.5/metadata')?.path).toBe('studies/{study}/series/{series}/metadata');
    expect(resourceAt('/studies/1.2.3/series/4.5/instances/6.7/frames/1,2/rendered')?.path).toBe('studies/{study}/series/{series}/instances/{instance}/frames/{frames}/rendered');
    expect(resourceAt('/nothing/here')).toBeUndefined();
  });

  it('allows what a resource offers, HEAD with GET, and always OPTIONS', () => {
    expect(allowedMethods(resourceAt('studies')!)).toEqual(['GET', 'POST', 'HEAD', 'OPTIONS']);
    expect(allowedMethods(resourceAt('studies/1.2')!)).toEqual(['GET', 'POST', 'DELETE', 'HEAD', 'OPTIONS']);
    expect(allowedMethods(resourceAt('')!)).toEqual(['OPTIONS']);
  });

  it('writes WADL with the base, template and query parameters and the media types of each method', () => {
    const wadl = capabilitiesWadl('http://pacs.example/dicomweb');
    expect(wadl).toContain('<resources base="http://pacs.example/dicomweb/">');
    expect(wadl).toContain('<resource path="studies"><method name="GET" id="SearchForStudies"><request><param name="{attributeID}" style="query" type="xs:string"/>');
    expect(wadl).toContain('<param name="fuzzymatching" style="query" type="xs:string"/>');
    expect(wadl).toContain('<representation mediaType="multipart/related; type=&quot;application/dicom+xml&quot;"/>');
    expect(wadl).toContain('<resource path="studies/{study}/series/{series}"><param name="study" style="template" type="xs:string" required="true"/><param name="series" style="template"');
    expect(capabilitiesJson('http://pacs.example/dicomweb').resources.map((r) => r.path)).toContain('studies/{study}/series/{series}/instances/{instance}/frames/{frames}');
  });
});
