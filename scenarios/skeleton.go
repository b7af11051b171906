package scenarios

import (
	"fmt"
	"strings"
)

// Skeleton is a new scenario file for id, commented key by key, that
// validates and runs as it is: it plants a PHP file in the uploads folder,
// which the shipped rule pack detects, and removes it. schemaPath is where
// the first line points editors at the JSON Schema.
func Skeleton(id, schemaPath string) ([]byte, error) {
	if !idPattern.MatchString(id) {
		return nil, fmt.Errorf("id %q: use lower-case words joined by '-', like card-skimmer", id)
	}
	return []byte(strings.NewReplacer("{ID}", id, "{SCHEMA}", schemaPath).Replace(skeleton)), nil
}

const skeleton = `# yaml-language-server: $schema={SCHEMA}
#
# A breachdrill scenario. Every key is explained below; the full list of
# actions and checks, with their arguments, is
# 'breachdrill scenarios actions --markdown'. Check the file with
# 'breachdrill scenarios validate DIR' and run it with
# 'breachdrill test --scenarios DIR --scenario {ID}'.

# Lower-case words joined by '-'. A file with a shipped id replaces it.
id: {ID}
title: A PHP file appears in the uploads folder
summary: >
  Replace this with the story of the breach: what went wrong, who could
  exploit it, and what is at risk.
# low, medium, high or critical.
severity: medium
# MITRE ATT&CK technique ids.
attack: [T1505.003]
# Kinds of data at risk. customer-pii, card-numbers, billing-addresses,
# email-addresses and order-history start the GDPR/DORA/NYDFS clocks in the
# report; card-numbers also brings in PCI DSS 12.10.7.
data_at_risk: [system-integrity]
# framework:control pairs the exercise gives evidence for (SOC2, ISO27001,
# PCI, GDPR, DORA, NYDFS, NIST).
controls: [SOC2:CC7.3, ISO27001:5.25, PCI:12.10.5]
# What the team should achieve; rated P/S/M/U in the hot wash.
objectives:
  - Detect a PHP file in the uploads folder within a minute
  - Remove it and confirm nothing else was planted
# What the stack must offer: seeded (synthetic shop data), woocommerce,
# peer (a second client address).
preconditions: [seeded]

# The attack, step by step, as real actions on the stack. T0 is the start of
# the first step; detection latency is measured from the step that caused
# each alert. Values may use {{prefix}}, {{date}} and {{admin_user}}.
inject:
  - file.write: {path: "wp-content/uploads/{{date}}-cache.php", content: "<?php echo 'ok';"}
  # want_status makes the inject fail if the attack did not work.
  - http.request: {path: "/wp-content/uploads/{{date}}-cache.php", want_status: [200]}

# Rules of the pack (breachdrill rules list) that must fire, each within a
# deadline counted from the inject step that caused it.
expect:
  - {rule: php-file-in-uploads, within: 30s}

# Containment must be proven within this long after the first alert.
contain_within: 2m

# The playbook, run after detection.
respond:
  - file.delete: "wp-content/uploads/{{date}}-cache.php"

# Checks that prove containment; they are retried until all pass or
# contain_within runs out.
verify:
  - file.absent: "wp-content/uploads/{{date}}-cache.php"
  - http.status: {path: "/wp-content/uploads/{{date}}-cache.php", want: [403, 404]}

# Steps that put back what the stack's reset does not (the reset restores
# the docroot and the database; rotated database passwords need
# db.restore_password). Optional.
# revert:
#   - db.restore_password: {}

# The same breach as a discussion: timed narrative, questions for the room,
# and the decisions the facilitator looks for. In time order.
tabletop:
  - at: 0m
    say: The hosting provider's malware scan flags a PHP file in wp-content/uploads.
    ask:
      - "Who owns triage?"
      - "Which logs show who wrote the file and who requested it?"
    expect:
      - "Incident lead named"
      - "Access log checked for requests to the file"
  - at: 10m
    say: The access log shows requests to the file from an address you do not know.
    ask:
      - "Is this an incident? Who needs to know now?"
    expect:
      - "Declared as a security incident"
`
