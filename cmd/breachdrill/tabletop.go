package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/breachdrill/breachdrill/containers"
	"github.com/breachdrill/breachdrill/harness"
	"github.com/breachdrill/breachdrill/harness/timeline"
	"github.com/breachdrill/breachdrill/internal/fault"
	"github.com/breachdrill/breachdrill/reports"
	"github.com/breachdrill/breachdrill/tui"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"
)

type tabletopFlags struct {
	catalog      catalogFlags
	stack        stackFlags
	ids          []string
	participants []string
	discussion   bool
	live         bool
	out          string
	title        string
	key          string
	customers    int
	orders       int
	seed         int64
	run          string
	allowExposed bool
	resume       string
	present      string
	timeScale    string
}

func newTabletopCmd() *cobra.Command {
	var f tabletopFlags
	cmd := &cobra.Command{
		Use:   "tabletop",
		Short: "Run a facilitated tabletop exercise from the terminal",
		Long: `Run the quarterly tabletop from a terminal console: pick the scenarios, enter
the people in the room and their roles, then walk them through the breach
with timed injects, a phase tracker, regulatory clocks and a decision log.
The hot wash rates each objective (P/S/M/U), records strengths, areas for
improvement and the improvement plan, and writes a signed evidence bundle.

Discussion mode needs nothing but the terminal. Live mode (the default when
Docker answers) also starts a seeded shop stack, really injects each scenario,
and shows the detection engine's alerts and when containment is verified;
the stack's URL and login are on screen for participants to investigate.

Keys are shown at the bottom of every screen (? shows them all). Everything
is recorded as it happens. Quitting offers to pause and save — the exercise
goes on later with --resume ID, clocks, injects, log and hot wash as they
stood — or to end it, which leads to the hot wash and the bundle.

--present ID shows the exercise read-only in a second terminal for the room:
the current inject and its questions, the clocks, the alerts — never the
facilitator's guide or log. --time-scale 1m=1h runs the story and the
regulatory clocks in exercise time (a 72-hour deadline passes in 72
minutes); the report states it as an artificiality.`,
		Example: `  breachdrill tabletop
  breachdrill tabletop --scenario debug-log-exposure --discussion \
      --participant "Ana Ruiz:ic" --participant "Ben Okafor:tech" --participant "Chen Li:dpo"
  breachdrill tabletop --resume tabletop-20261120-140000-ab12
  breachdrill tabletop --present tabletop-20261120-140000-ab12`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runTabletop(cmd, &f) },
	}
	f.catalog.register(cmd)
	f.stack.register(cmd)
	fl := cmd.Flags()
	fl.StringArrayVar(&f.ids, "scenario", nil, "preselect scenario `ID` (repeatable; the order given is the order run)")
	fl.StringArrayVar(&f.participants, "participant", nil, "a person in the room as `NAME:ROLE` (repeatable); roles: ic, tech, comms, dpo, scribe, facilitator, observer")
	fl.BoolVar(&f.discussion, "discussion", false, "discussion mode: narrative injects only, no stack")
	fl.BoolVar(&f.live, "live", false, "live mode: start a stack and really inject each scenario")
	fl.StringVar(&f.out, "out", "evidence", "write the evidence bundle under `DIR`")
	fl.StringVar(&f.title, "title", "", "the exercise's title in the report (default: from the scenarios)")
	fl.StringVar(&f.key, "key", "", "sign with the ed25519 key in `FILE` (default: your own key, created on first use)")
	fl.IntVar(&f.customers, "customers", 300, "live mode: synthetic customers to seed")
	fl.IntVar(&f.orders, "orders", 1000, "live mode: synthetic orders to seed")
	fl.Int64Var(&f.seed, "seed", 1, "live mode: dataset seed")
	fl.StringVar(&f.run, "run", "", "live mode: use the running stack `RUN` (from `stack up`) instead of starting one")
	fl.BoolVar(&f.allowExposed, "allow-exposed", false, "live mode: run injects even where the stack's network cannot be sealed (a remote or rootless engine)")
	fl.StringVar(&f.resume, "resume", "", "go on with the paused exercise `ID` (its record is kept under --out)")
	fl.StringVar(&f.present, "present", "", "show exercise `ID` read-only for the room (a projector or a second terminal), live as it runs")
	fl.StringVar(&f.timeScale, "time-scale", "", "compress exercise time for the story and the regulatory clocks: `FACTOR` (60) or REAL=STORY (1m=1h)")
	return cmd
}

func runTabletop(cmd *cobra.Command, f *tabletopFlags) error {
	mode := tui.ModeAuto
	scale, err := parseTimeScale(f.timeScale)
	if err != nil {
		return fault.Input(err)
	}
	switch {
	case f.resume != "" && f.present != "":
		return fault.Input(errors.New("--resume and --present exclude each other: present in a second terminal"))
	case (f.resume != "" || f.present != "") && (len(f.ids) > 0 || len(f.participants) > 0 || f.live || f.run != "" || f.timeScale != ""):
		return fault.Input(errors.New("--resume and --present take the exercise as it was set up: --scenario, --participant, --live, --run and --time-scale do not apply"))
	case f.discussion && f.live:
		return fault.Input(errors.New("--discussion and --live exclude each other"))
	case f.discussion:
		mode = tui.ModeDiscussion
	case f.live:
		mode = tui.ModeLive
	}
	var people []timeline.Participant
	for _, p := range f.participants {
		pp, err := tui.ParseParticipant(p)
		if err != nil {
			return fault.Input(err)
		}
		people = append(people, pp)
	}
	if err := f.checkInput(cmd.Context()); err != nil {
		return err
	}
	var resume *tui.Resume
	switch {
	case f.present != "":
		if _, err := savedRecord(f.out, f.present); err != nil {
			return fault.Input(err)
		}
	case f.resume != "":
		events, err := savedRecord(f.out, f.resume)
		if err != nil {
			return fault.Input(err)
		}
		draft, err := os.ReadFile(draftPath(f.out, f.resume))
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return fault.Input(fmt.Errorf("read the hot wash draft: %w", err))
		}
		resume = &tui.Resume{Events: events, Draft: draft}
		mode = tui.ModeDiscussion
	}
	if !term.IsTerminal(os.Stdin.Fd()) || !term.IsTerminal(os.Stdout.Fd()) {
		return fault.Input(errors.New("tabletop is an interactive console: run it in a terminal"))
	}
	ctx := cmd.Context()
	if f.present != "" {
		return presentTabletop(ctx, f.out, f.present)
	}
	cat, pack, err := f.catalog.load(cmd)
	if err != nil {
		return err
	}
	secrets := harness.NewSecrets()
	rec := &tabletopRecord{dir: f.out, secrets: secrets, resume: resume}
	defer rec.close()

	var signing []reports.Option
	if f.key != "" {
		signing = append(signing, reports.WithKeyFile(f.key))
	}
	cfg := tui.Config{
		Catalog: cat.All(), Selected: f.ids, Participants: people, Mode: mode,
		Title: f.title, ToolVersion: version,
		CheckDocker:  containers.CheckDocker,
		OpenTimeline: rec.open,
		Save:         tui.BundleSaver(f.out, version, secrets.List, signing...),
		SaveDraft:    rec.saveDraft,
		TimeScale:    scale,
		Resume:       resume,
	}
	var live *liveEngine
	if !f.discussion && resume == nil {
		src, err := containers.ParseSource(f.stack.source)
		if err != nil {
			return err
		}
		live = &liveEngine{
			provision: harness.ProvisionOptions{Source: src, WooCommerce: f.stack.woocommerce, TablePrefix: f.stack.prefix,
				Attach: f.run, Customers: f.customers, Orders: f.orders, Seed: f.seed, Cold: f.stack.cold},
			pack: pack, secrets: secrets,
		}
		cfg.Live = live
		defer func() {
			// However the console ended, the stack goes.
			cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
			defer cancel()
			if err := live.Close(cctx); err != nil {
				fmt.Fprintln(cmd.ErrOrStderr(), "removing the stack:", err, "(breachdrill gc removes it)")
			}
		}()
	}
	model, err := tui.New(ctx, cfg)
	if err != nil {
		if !fault.IsInput(err) && !fault.IsInfra(err) {
			err = fault.Input(err)
		}
		return err
	}
	final, runErr := tea.NewProgram(model, tea.WithContext(ctx), tea.WithAltScreen()).Run()
	m, _ := final.(tui.Model)
	if m.PausedForLater() {
		rec.close()
		fmt.Fprintf(cmd.OutOrStdout(), "paused and saved as %s\ngo on with: breachdrill tabletop --resume %s --out %s\n", m.ID(), m.ID(), f.out)
		return nil
	}
	saved, ok := m.Saved()
	if !ok && rec.timeline() != nil && m.Err() == nil {
		// The console was stopped (a signal: the terminal closed, the
		// laptop's session ended) before the exercise ended: the record is
		// kept, as a pause would keep it, so the room can go on.
		id := rec.exerciseID()
		rec.close()
		fmt.Fprintf(cmd.ErrOrStderr(), "the console was stopped; the record of %s is kept\ngo on with: breachdrill tabletop --resume %s --out %s\n", id, id, f.out)
		return fault.Infra(fmt.Errorf("interrupted: %w", runErr))
	}
	if ok {
		rec.discard()
		os.Remove(draftPath(f.out, rec.exerciseID()))
		fmt.Fprintf(cmd.OutOrStdout(), "evidence bundle: %s (%s)\n", saved.Path, saved.Result)
	}
	switch {
	case m.Err() != nil:
		if p := rec.path(); p != "" {
			return fault.Infra(fmt.Errorf("%w (the record stays in %s)", m.Err(), p))
		}
		return fault.Infra(m.Err())
	case runErr != nil && !errors.Is(runErr, tea.ErrProgramKilled):
		return fault.Infra(fmt.Errorf("console: %w", runErr))
	case runErr != nil:
		return fault.Infra(fmt.Errorf("interrupted: %w", runErr))
	case saved.Result == reports.ResultFailed:
		return gapError{"the hot wash rated an objective M or U, or a live scenario showed a readiness gap: see the report"}
	case saved.Result == reports.ResultIncomplete:
		return incompleteTabletop(saved.Path)
	}
	return nil
}

// incompleteTabletop is the exit for a record that is never a pass: a
// scenario whose containment check passed before the response is a broken
// scenario (bad input, exit 2); an exercise ended early is interrupted
// (exit 3, as for a drill); a scenario selected but never exercised is a
// gap in the exercise (exit 1).
func incompleteTabletop(bundle string) error {
	var res reports.Results
	if b, err := os.ReadFile(filepath.Join(bundle, reports.ResultsFile)); err == nil && json.Unmarshal(b, &res) == nil {
		for _, s := range res.Scenarios {
			if s.Outcome == timeline.OutcomeScenarioFault {
				return fault.Input(fmt.Errorf("scenario %s: %s", s.ID, s.Reason))
			}
		}
		// Ended early: exit as an interrupted drill does.
		if res.RunOutcome == timeline.OutcomeInterrupted {
			return fault.Infra(errors.New("interrupted: the exercise ended early, so the record is INCOMPLETE, not a pass"))
		}
	}
	return gapError{"the record is INCOMPLETE, not a pass: a selected scenario was not exercised; see the report"}
}

// tabletopRecord is the timeline's file: written as the exercise goes, so
// a crash keeps it, and removed once the bundle (which holds it) exists.
// Hidden, so that evidence quarter does not take it for a bundle.
type tabletopRecord struct {
	dir     string
	secrets *harness.Secrets
	// resume, when set, is the paused exercise's record: open continues
	// it instead of creating one.
	resume *tui.Resume

	draftMu      sync.Mutex
	draftVersion int

	mu   sync.Mutex
	id   string
	file *os.File
	tl   *timeline.Timeline
}

// saveDraft writes the hot wash draft beside the record, newest version
// only.
func (r *tabletopRecord) saveDraft(id string, version int, b []byte) error {
	r.draftMu.Lock()
	defer r.draftMu.Unlock()
	if version <= r.draftVersion {
		return nil
	}
	if err := writeFileAtomic(draftPath(r.dir, id), b); err != nil {
		return err
	}
	r.draftVersion = version
	return nil
}

func (r *tabletopRecord) exerciseID() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.id
}

func (r *tabletopRecord) open(_ context.Context, id string) (*timeline.Timeline, error) {
	if err := os.MkdirAll(r.dir, 0o755); err != nil {
		return nil, fault.Input(fmt.Errorf("--out %s: %w", r.dir, err))
	}
	if r.resume != nil {
		f, err := os.OpenFile(recordPath(r.dir, id), os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			return nil, fmt.Errorf("reopen the record file: %w", err)
		}
		tl, err := timeline.Restore(r.resume.Events, timeline.WithSink(f), timeline.WithMask(r.secrets.Mask))
		if err != nil {
			f.Close()
			return nil, err
		}
		r.mu.Lock()
		r.id, r.file, r.tl = id, f, tl
		r.mu.Unlock()
		return tl, nil
	}
	f, err := os.OpenFile(recordPath(r.dir, id), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create the record file: %w", err)
	}
	tl := timeline.New(timeline.WithSink(f), timeline.WithMask(r.secrets.Mask))
	r.mu.Lock()
	r.id, r.file, r.tl = id, f, tl
	r.mu.Unlock()
	return tl, nil
}

func (r *tabletopRecord) timeline() *timeline.Timeline {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.tl
}

func (r *tabletopRecord) path() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.file == nil {
		return ""
	}
	return r.file.Name()
}

func (r *tabletopRecord) discard() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.file != nil {
		r.file.Close()
		os.Remove(r.file.Name())
		r.file = nil
	}
}

func (r *tabletopRecord) close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.file != nil {
		r.file.Close()
		r.file = nil
	}
}
