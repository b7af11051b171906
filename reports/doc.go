// Package reports turns an exercise's timeline into evidence an auditor
// accepts: one signed, tamper-evident bundle per exercise (manifest,
// timeline, results, scenario files, an HTML report, Markdown, JUnit, OSCAL
// assessment-results, an in-toto attestation in a DSSE envelope), the check
// that proves a bundle unchanged, and the quarterly readiness pack built from
// many bundles.
//
// Reports read only the timeline (and the raw scenario and rule files they
// include verbatim): every number in a report can be recomputed from
// timeline.jsonl with timeline.Measure, and every file is covered by the
// signature.
package reports
