<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de">
<context>
    <name>BackendCatalog</name>
    <message>
        <location filename="../app/studio/backend_catalog.cpp" line="+14"/>
        <source>CPU</source>
        <translation>CPU</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>CUDA</source>
        <translation>CUDA</translation>
    </message>
</context>
<context>
    <name>Heatmap</name>
    <message>
        <location filename="../app/studio/heatmap_palette.cpp" line="+39"/>
        <source>skip</source>
        <translation>überspringen</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>INT4</source>
        <translation>INT4</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>INT8</source>
        <translation>INT8</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>full</source>
        <translation>voll</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>invalid (%1)</source>
        <translation>ungültig (%1)</translation>
    </message>
</context>
<context>
    <name>Jobs</name>
    <message>
        <location filename="../app/studio/jobs.cpp" line="+33"/>
        <source>Loading the model</source>
        <translation>Modell wird geladen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Loading %1</source>
        <translation>%1 wird geladen</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>Calibration</source>
        <translation>Kalibrierung</translation>
    </message>
    <message>
        <location line="+10"/>
        <location line="+92"/>
        <source>Reading the text</source>
        <translation>Text wird gelesen</translation>
    </message>
    <message>
        <location line="-87"/>
        <source>%1: %2 tokens, windows of %3</source>
        <translation>%1: %2 Tokens, Fenster zu %3</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Calibrating</source>
        <translation>Kalibrierung läuft</translation>
    </message>
    <message>
        <location line="+14"/>
        <location line="+172"/>
        <location line="+59"/>
        <source>Wrote %1</source>
        <translation>%1 geschrieben</translation>
    </message>
    <message>
        <location line="-226"/>
        <source>Calibrated on %1 sequences (%2 tokens); saved %3</source>
        <translation>Auf %1 Sequenzen (%2 Tokens) kalibriert; %3 gespeichert</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>layer</source>
        <translation>Schicht</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>alpha (norm ratio)</source>
        <translation>alpha (Normverhältnis)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>alpha (least squares)</source>
        <translation>alpha (kleinste Quadrate)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>mean cos(in,out)</source>
        <translation>mittlerer cos(ein,aus)</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>relaxed (Gumbel-softmax)</source>
        <translation>relaxiert (Gumbel-Softmax)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>REINFORCE</source>
        <translation>REINFORCE</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>static similarity skipping</source>
        <translation>statisches Ähnlichkeits-Überspringen</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>the oracle&apos;s per-token decisions</source>
        <translation>die Entscheidungen des Orakels je Token</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>the best static set</source>
        <translation>die beste statische Menge</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>the similarity forecast</source>
        <translation>die Ähnlichkeitsprognose</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Labelling training windows with the oracle</source>
        <translation>Trainingsfenster werden mit dem Orakel beschriftet</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Searching the best static set</source>
        <translation>Die beste statische Menge wird gesucht</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Fitting the similarity forecast</source>
        <translation>Die Ähnlichkeitsprognose wird angepasst</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Policy training</source>
        <translation>Policy-Training</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>%1: %2 tokens</source>
        <translation>%1: %2 Tokens</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>Measuring the cost of each state</source>
        <translation>Die Kosten jedes Zustands werden gemessen</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>State costs (full precision = 4): skip %1, INT4 %2, INT8 %3</source>
        <translation>Zustandskosten (volle Genauigkeit = 4): Überspringen %1, INT4 %2, INT8 %3</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Resuming from the checkpoint %1</source>
        <translation>Fortsetzen ab Checkpoint %1</translation>
    </message>
    <message>
        <location line="+2"/>
        <location line="+16"/>
        <source>Training</source>
        <translation>Training läuft</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Tuning the cost bias on held-out text</source>
        <translation>Kostenverschiebung wird auf zurückgehaltenem Text abgestimmt</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Tuning the cost bias to %1× on held-out text</source>
        <translation>Kostenverschiebung wird auf zurückgehaltenem Text auf %1× abgestimmt</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>step %1/%2  imitating  log p %3  ratio %4×</source>
        <translation>Schritt %1/%2  Imitation  log p %3  Verhältnis %4×</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>step %1/%2  Gumbel τ %3  λ %4  ratio %5×  KL %6</source>
        <translation>Schritt %1/%2  Gumbel-τ %3  λ %4  Verhältnis %5×  KL %6</translation>
    </message>
    <message>
        <location line="-8"/>
        <source>step %1/%2  τ %3  β %4  reward %5  ratio %6×  ΔNLL %7</source>
        <translation>Schritt %1/%2  τ %3  β %4  Belohnung %5  Verhältnis %6×  ΔNLL %7</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Cancelled; the checkpoint %1 resumes the training</source>
        <translation>Abgebrochen; mit dem Checkpoint %1 wird das Training fortgesetzt</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Trained for %1×: held-out nominal ratio %2×, cost bias %3; saved %4</source>
        <translation>Für %1× trainiert: nominelles Verhältnis auf zurückgehaltenem Text %2×, Kostenverschiebung %3; %4 gespeichert</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>setting</source>
        <translation>Einstellung</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>value</source>
        <translation>Wert</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>target ratio</source>
        <translation>Zielverhältnis</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>held-out ratio</source>
        <translation>Verhältnis auf zurückgehaltenem Text</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>cost bias</source>
        <translation>Kostenverschiebung</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>trainer</source>
        <translation>Trainer</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>learning rate</source>
        <translation>Lernrate</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>steps</source>
        <translation>Schritte</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>imitation steps</source>
        <translation>Imitationsschritte</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>imitated</source>
        <translation>imitiert</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>λ (cost weight)</source>
        <translation>λ (Kostengewicht)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>final reward</source>
        <translation>Endbelohnung</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>β</source>
        <translation>β</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Sweep</source>
        <translation>Sweep</translation>
    </message>
    <message>
        <location line="+32"/>
        <source>input-aware</source>
        <translation>eingabeabhängig</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>ppl reassigned</source>
        <translation>ppl neu zugeordnet</translation>
    </message>
    <message>
        <location line="+53"/>
        <source>No DASH policy file chosen: DASH rows skipped</source>
        <translation>Keine DASH-Policy-Datei gewählt: DASH-Zeilen übersprungen</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>No calibration chosen: static similarity rows skipped</source>
        <translation>Keine Kalibrierung gewählt: Zeilen für statische Ähnlichkeit übersprungen</translation>
    </message>
    <message>
        <location line="-83"/>
        <source>Sweeping</source>
        <translation>Sweep läuft</translation>
    </message>
    <message>
        <location line="+49"/>
        <source>%1 at %2×: evaluating on %3</source>
        <translation>%1 bei %2×: Auswertung auf %3</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>  nominal %1×, measured %2×, perplexity %3 (second half %4)</source>
        <translation>  nominell %1×, gemessen %2×, Perplexität %3 (zweite Hälfte %4)</translation>
    </message>
    <message>
        <location line="-9"/>
        <source>%1 tuned: knob %2 gives %3× on held-out text (target %4×)</source>
        <translation>%1 abgestimmt: Regler %2 ergibt %3× auf zurückgehaltenem Text (Ziel %4×)</translation>
    </message>
    <message>
        <location line="-145"/>
        <source>Imitating %1 for %2 steps</source>
        <translation>Imitiere %1 für %2 Schritte</translation>
    </message>
    <message numerus="yes">
        <location line="+110"/>
        <source>%n sweep row(s)</source>
        <translation>
            <numerusform>%n Sweep-Zeile</numerusform>
            <numerusform>%n Sweep-Zeilen</numerusform>
        </translation>
    </message>
    <message>
        <location line="+1"/>
        <source>method</source>
        <translation>Methode</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>target ×</source>
        <translation>Ziel ×</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>nominal ×</source>
        <translation>nominell ×</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>speedup ×</source>
        <translation>Beschleunigung ×</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>A/A control ×</source>
        <translation>A/A-Kontrolle ×</translation>
    </message>
    <message>
        <location line="+45"/>
        <source>  A/A control %1× (%2 to %3)</source>
        <translation>  A/A-Kontrolle %1× (%2 bis %3)</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Warning: the A/A control is outside 1.00 ± %1: the measured speedup of this row is not trustworthy</source>
        <translation>Warnung: Die A/A-Kontrolle liegt außerhalb von 1,00 ± %1: Die gemessene Beschleunigung dieser Zeile ist nicht verlässlich</translation>
    </message>
    <message>
        <location line="-49"/>
        <source>ppl (all)</source>
        <translation>ppl (gesamt)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>ppl (2nd half)</source>
        <translation>ppl (2. Hälfte)</translation>
    </message>
    <message>
        <location line="+72"/>
        <source>sweep %1</source>
        <translation>Sweep %1</translation>
    </message>
    <message>
        <location line="+25"/>
        <source>sweep over %1 (up to %2 tokens)</source>
        <translation>Sweep über %1 (bis zu %2 Tokens)</translation>
    </message>
    <message numerus="yes">
        <location line="+13"/>
        <source>Saved %n row(s) to the run store %1</source>
        <translation>
            <numerusform>%n Zeile im Laufspeicher %1 gespeichert</numerusform>
            <numerusform>%n Zeilen im Laufspeicher %1 gespeichert</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../app/studio/eval_dialog.cpp" line="+99"/>
        <source>Cancelled: the %n finished cell(s) stay in the folder; starting again resumes from them</source>
        <translation>
            <numerusform>Abgebrochen: Die %n fertige Zelle bleibt im Ordner; ein neuer Start setzt dort fort</numerusform>
            <numerusform>Abgebrochen: Die %n fertigen Zellen bleiben im Ordner; ein neuer Start setzt dort fort</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>PolicyCatalog</name>
    <message>
        <location filename="../app/studio/policy_catalog.cpp" line="+11"/>
        <source>Full precision</source>
        <translation>Volle Genauigkeit</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>DASH policy file</source>
        <translation>DASH-Policy-Datei</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Early-Exit</source>
        <translation>Early-Exit</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>SkipDecode</source>
        <translation>SkipDecode</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>AdaSkip</source>
        <translation>AdaSkip</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>RandomSkip</source>
        <translation>RandomSkip</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Static similarity</source>
        <translation>Statische Ähnlichkeit</translation>
    </message>
</context>
<context>
    <name>PolicyRuntime</name>
    <message>
        <location filename="../app/studio/policy_runtime.cpp" line="+31"/>
        <source>exit threshold %1</source>
        <translation>Ausstiegsschwelle %1</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>computed-layer fraction %1</source>
        <translation>Anteil berechneter Schichten %1</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>%1 layers skipped</source>
        <translation>%1 Schichten übersprungen</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>skip probability %1</source>
        <translation>Überspring-Wahrscheinlichkeit %1</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>cost bias %1</source>
        <translation>Kostenverschiebung %1</translation>
    </message>
    <message>
        <location line="+24"/>
        <source>static similarity skipping ranks layers by a calibration file; choose one or compute it (Tools ▸ Calibrate…)</source>
        <translation>das statische Ähnlichkeits-Überspringen ordnet die Schichten nach einer Kalibrierungsdatei; wählen Sie eine aus oder berechnen Sie sie (Werkzeuge ▸ Kalibrieren…)</translation>
    </message>
    <message>
        <location line="-2"/>
        <source>choose a policy file</source>
        <translation>Policy-Datei wählen</translation>
    </message>
    <message>
        <location line="+23"/>
        <source>Loading %1…</source>
        <translation>%1 wird geladen…</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>%1: DASH, trained for %2×, %3</source>
        <translation>%1: DASH, trainiert für %2×, %3</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>%1: DASH, %2</source>
        <translation>%1: DASH, %2</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>%1: %2 from a policy file</source>
        <translation>%1: %2 aus einer Policy-Datei</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>every layer at full precision</source>
        <translation>jede Schicht mit voller Genauigkeit</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>%1 is tuned on held-out text; choose the text in Preferences</source>
        <translation>%1 wird auf zurückgehaltenem Text abgestimmt; wählen Sie den Text in den Einstellungen</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Tuning %1 to %2× on %3…</source>
        <translation>%1 wird auf %2× abgestimmt (mit %3)…</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Tuning %1 to %2×…</source>
        <translation>%1 wird auf %2× abgestimmt…</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>%1 tuned to %2×: %3 gives %4× on %5 held-out tokens</source>
        <translation>%1 auf %2× abgestimmt: %3 ergibt %4× auf %5 zurückgehaltenen Tokens</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>%1 tuned to %2×: %3 gives %4×</source>
        <translation>%1 auf %2× abgestimmt: %3 ergibt %4×</translation>
    </message>
</context>
<context>
    <name>dash::studio::CalibrationJobDialog</name>
    <message>
        <location filename="../app/studio/job_dialogs.cpp" line="+316"/>
        <source>Calibrate</source>
        <translation>Kalibrieren</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>GGUF models (*.gguf)</source>
        <translation>GGUF-Modelle (*.gguf)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Text (*.txt);;All files (*)</source>
        <translation>Text (*.txt);;Alle Dateien (*)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Calibrations (*.json)</source>
        <translation>Kalibrierungen (*.json)</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>model context</source>
        <translation>Modellkontext</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Model</source>
        <translation>Modell</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Calibration text</source>
        <translation>Kalibrierungstext</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Sequences</source>
        <translation>Sequenzen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Sequence length</source>
        <translation>Sequenzlänge</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Alpha method</source>
        <translation>Alpha-Methode</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Save as</source>
        <translation>Speichern unter</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Use for Static Similarity</source>
        <translation>Für statische Ähnlichkeit verwenden</translation>
    </message>
</context>
<context>
    <name>dash::studio::CellProbePanel</name>
    <message>
        <location filename="../app/studio/cell_probe_panel.cpp" line="+32"/>
        <source>Skip</source>
        <translation>Überspringen</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>INT4</source>
        <translation>INT4</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>INT8</source>
        <translation>INT8</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Full</source>
        <translation>Voll</translation>
    </message>
    <message>
        <location line="+37"/>
        <source>Δ log p</source>
        <translation>Δ log p</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>KL</source>
        <translation>KL</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Per later token: the change in log-likelihood of the token when the cell is forced, and the KL divergence (nats) from the run&apos;s next-token distribution to the forced one</source>
        <translation>Je späterem Token: die Änderung der Log-Likelihood des Tokens, wenn die Zelle erzwungen wird, und die KL-Divergenz (nats) von der Verteilung des nächsten Tokens im Lauf zur erzwungenen</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Force the current heatmap cell to:</source>
        <translation>Aktuelle Heatmap-Zelle erzwingen als:</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Clear</source>
        <translation>Zurücksetzen</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>#%1</source>
        <translation>#%1</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Logit lens: the most probable next tokens read from each layer&apos;s output through the final norm and the output head</source>
        <translation>Logit-Lens: die wahrscheinlichsten nächsten Tokens, gelesen aus der Ausgabe jeder Schicht über die finale Norm und den Ausgabekopf</translation>
    </message>
    <message>
        <location line="+22"/>
        <location line="+136"/>
        <source>Logit lens: select a token in the heatmap.</source>
        <translation>Logit-Lens: ein Token in der Heatmap auswählen.</translation>
    </message>
    <message>
        <location line="-75"/>
        <source>Force token %1 / layer %2 to</source>
        <translation>Token %1 / Schicht %2 erzwingen als</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Clear Counterfactual</source>
        <translation>Kontrafaktum zurücksetzen</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Select a heatmap cell first.</source>
        <translation>Zuerst eine Heatmap-Zelle auswählen.</translation>
    </message>
    <message>
        <location line="+28"/>
        <source>Forcing token %1 “%2” / layer %3 to %4…</source>
        <translation>Token %1 „%2“ / Schicht %3 wird als %4 erzwungen…</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Counterfactual: right-click a heatmap cell (or press the Menu key) to force it to another state and see what changes for each later token.</source>
        <translation>Kontrafaktum: Rechtsklick auf eine Heatmap-Zelle (oder die Menütaste) erzwingt einen anderen Zustand und zeigt, was sich für jedes spätere Token ändert.</translation>
    </message>
    <message>
        <location line="+31"/>
        <source>Logit lens of token %1 “%2”: computing…</source>
        <translation>Logit-Lens von Token %1 „%2“: wird berechnet…</translation>
    </message>
    <message>
        <location line="+22"/>
        <source>The counterfactual was stopped by a newer run.</source>
        <translation>Das Kontrafaktum wurde von einem neueren Lauf abgebrochen.</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Counterfactual failed: %1</source>
        <translation>Kontrafaktum fehlgeschlagen: %1</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>Logit lens failed: %1</source>
        <translation>Logit-Lens fehlgeschlagen: %1</translation>
    </message>
    <message>
        <location line="+38"/>
        <source>log p(token %1) %2 → %3</source>
        <translation>log p(Token %1) %2 → %3</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Forcing token %1 “%2” / layer %3 from %4 to %5</source>
        <translation>Token %1 „%2“ / Schicht %3 von %4 auf %5 erzwungen</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>: the last token predicts nothing within the run, so nothing changes.</source>
        <translation>: Das letzte Token sagt innerhalb des Laufs nichts vorher, also ändert sich nichts.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>: next-token Δ log p %1, KL %2; later tokens changed: %3 of %4</source>
        <translation>: Δ log p des nächsten Tokens %1, KL %2; geänderte spätere Tokens: %3 von %4</translation>
    </message>
    <message>
        <location line="+6"/>
        <source> (largest |Δ log p| %1 at token %2 “%3”)</source>
        <translation> (größtes |Δ log p| %1 bei Token %2 „%3“)</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>L%1 · %2</source>
        <translation>L%1 · %2</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>%1  %2 %</source>
        <translation>%1  %2 %</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>token id %1 “%2”: logit %3, probability %4</source>
        <translation>Token-ID %1 „%2“: Logit %3, Wahrscheinlichkeit %4</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Logit lens of token %1 “%2” (top %3 per layer output):</source>
        <translation>Logit-Lens von Token %1 „%2“ (Top %3 je Schichtausgabe):</translation>
    </message>
</context>
<context>
    <name>dash::studio::ComparisonView</name>
    <message>
        <location filename="../app/studio/comparison_view.cpp" line="+74"/>
        <source>A: cos(in,out), prompt mean</source>
        <translation>A: cos(ein,aus), Mittel über den Prompt</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>B: cos(in,out), prompt mean</source>
        <translation>B: cos(ein,aus), Mittel über den Prompt</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>layer</source>
        <translation>Schicht</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>cosine similarity</source>
        <translation>Kosinus-Ähnlichkeit</translation>
    </message>
    <message>
        <location line="+129"/>
        <source>A</source>
        <translation>A</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>B</source>
        <translation>B</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Δspeed: %1 → %2 ms/token (%3 ms/token)</source>
        <translation>ΔGeschwindigkeit: %1 → %2 ms/Token (%3 ms/Token)</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>, B at %1× the speed of A (one run each: no spread, expect run-to-run variation)</source>
        <translation>, B mit dem %1-Fachen der Geschwindigkeit von A (je ein Lauf: keine Streuung gemessen, Schwankungen von Lauf zu Lauf sind zu erwarten)</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>; measured speedup %1</source>
        <translation>; gemessene Beschleunigung %1</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Nominal ratio: %1× → %2× (%3)</source>
        <translation>Nominelles Verhältnis: %1× → %2× (%3)</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Δquality: mean log-likelihood %1 nats/token</source>
        <translation>ΔQualität: mittlere Log-Likelihood %1 nats/Token</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>perplexity %1 → %2 (%3)</source>
        <translation>Perplexität %1 → %2 (%3)</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Δquality: not available (a run has no stored likelihood)</source>
        <translation>ΔQualität: nicht verfügbar (ein Lauf hat keine gespeicherte Likelihood)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>second-half perplexity %1</source>
        <translation>Perplexität der zweiten Hälfte %1</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>%1 of %2 cells differ in state; %3 of %4 positions hold the same token</source>
        <translation>%1 von %2 Zellen unterscheiden sich im Zustand; %3 von %4 Positionen enthalten dasselbe Token</translation>
    </message>
    <message>
        <location line="+4"/>
        <source> (A: %1 tokens × %2 layers, B: %3 × %4; aligned on the common part)</source>
        <translation> (A: %1 Tokens × %2 Schichten, B: %3 × %4; am gemeinsamen Teil ausgerichtet)</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>A: token %1</source>
        <translation>A: Token %1</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>A: selected token</source>
        <translation>A: gewähltes Token</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>B: token %1</source>
        <translation>B: Token %1</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>B: selected token</source>
        <translation>B: gewähltes Token</translation>
    </message>
</context>
<context>
    <name>dash::studio::DiffHeatmapLegend</name>
    <message>
        <location filename="../app/studio/diff_heatmap_view.cpp" line="+105"/>
        <location line="+11"/>
        <source>B computes less</source>
        <translation>B rechnet weniger</translation>
    </message>
    <message>
        <location line="-10"/>
        <location line="+12"/>
        <source>B computes more</source>
        <translation>B rechnet mehr</translation>
    </message>
</context>
<context>
    <name>dash::studio::DiffHeatmapModel</name>
    <message>
        <location filename="../app/studio/diff_heatmap_model.cpp" line="+114"/>
        <source>%1 (A) / %2 (B)</source>
        <translation>%1 (A) / %2 (B)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&lt;b&gt;%1&lt;/b&gt; — token %2, layer %3&lt;br&gt;A: &lt;b&gt;%4&lt;/b&gt; → B: &lt;b&gt;%5&lt;/b&gt; (Δ cost %6)&lt;br&gt;Δ cos(in,out) %7&lt;br&gt;Δ time %8 µs</source>
        <translation>&lt;b&gt;%1&lt;/b&gt; — Token %2, Schicht %3&lt;br&gt;A: &lt;b&gt;%4&lt;/b&gt; → B: &lt;b&gt;%5&lt;/b&gt; (Δ Kosten %6)&lt;br&gt;Δ cos(ein,aus) %7&lt;br&gt;Δ Zeit %8 µs</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>Layer %1</source>
        <translation>Schicht %1</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Token %1: “%2”</source>
        <translation>Token %1: „%2“</translation>
    </message>
</context>
<context>
    <name>dash::studio::DiffHeatmapPanel</name>
    <message>
        <location filename="../app/studio/diff_heatmap_view.cpp" line="+43"/>
        <source>Δ state (cost)</source>
        <translation>Δ Zustand (Kosten)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Δ cos(in,out)</source>
        <translation>Δ cos(ein,aus)</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Difference B − A (hatched: different tokens)</source>
        <translation>Differenz B − A (schraffiert: verschiedene Tokens)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Colour:</source>
        <translation>Farbe:</translation>
    </message>
</context>
<context>
    <name>dash::studio::EvalJobDialog</name>
    <message>
        <location filename="../app/studio/eval_dialog.cpp" line="-58"/>
        <source>Evaluation</source>
        <translation>Auswertung</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Loading the model</source>
        <translation>Modell wird geladen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Loading %1</source>
        <translation>%1 wird geladen</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Cell %1 of %2: %3, %4 at %5×</source>
        <translation>Zelle %1 von %2: %3, %4 bei %5×</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>[%1/%2] %3, %4 at %5×: %6 %7, nominal %8×%9</source>
        <translation>[%1/%2] %3, %4 bei %5×: %6 %7, nominal %8×%9</translation>
    </message>
    <message>
        <location line="+9"/>
        <source> (stored earlier, not recomputed)</source>
        <translation> (früher gespeichert, nicht neu berechnet)</translation>
    </message>
    <message numerus="yes">
        <location line="+25"/>
        <source>%n cell(s)</source>
        <translation>
            <numerusform>%n Zelle</numerusform>
            <numerusform>%n Zellen</numerusform>
        </translation>
    </message>
    <message>
        <location line="+22"/>
        <source>limits must be counts &gt;= 0, got &apos;%1&apos;</source>
        <translation>Grenzen müssen Anzahlen &gt;= 0 sein, erhalten: &apos;%1&apos;</translation>
    </message>
    <message>
        <location line="+46"/>
        <source>method</source>
        <translation>Methode</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>Evaluate</source>
        <translation>Auswerten</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>GGUF models (*.gguf)</source>
        <translation>GGUF-Modelle (*.gguf)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Comma-separated: wikitext2, cnndm, mmlu, arc, speed</source>
        <translation>Durch Kommas getrennt: wikitext2, cnndm, mmlu, arc, speed</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Comma-separated: full, early-exit, skipdecode, adaskip, random, static, dash:FILE</source>
        <translation>Durch Kommas getrennt: full, early-exit, skipdecode, adaskip, random, static, dash:DATEI</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>all items; or N; or task=N, …</source>
        <translation>alle Einträge; oder N; oder Aufgabe=N, …</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Text (*.txt *.raw);;All files (*)</source>
        <translation>Text (*.txt *.raw);;Alle Dateien (*)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>CNN/DM JSONL or CSV files, separated by ;</source>
        <translation>CNN/DM-Dateien (JSONL oder CSV), durch ; getrennt</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>folder with dev/ and test/</source>
        <translation>Ordner mit dev/ und test/</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>JSONL (*.jsonl);;All files (*)</source>
        <translation>JSONL (*.jsonl);;Alle Dateien (*)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Text (*.txt);;All files (*)</source>
        <translation>Text (*.txt);;Alle Dateien (*)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Calibrations (*.json)</source>
        <translation>Kalibrierungen (*.json)</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>of</source>
        <translation>von</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Choose the output folder</source>
        <translation>Ausgabeordner wählen</translation>
    </message>
    <message>
        <location line="+28"/>
        <source>Model</source>
        <translation>Modell</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Tasks</source>
        <translation>Aufgaben</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Methods</source>
        <translation>Methoden</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Ratios</source>
        <translation>Verhältnisse</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Items per task</source>
        <translation>Einträge je Aufgabe</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>WikiText-2</source>
        <translation>WikiText-2</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>CNN/DM</source>
        <translation>CNN/DM</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>MMLU</source>
        <translation>MMLU</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>ARC</source>
        <translation>ARC</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Held-out text (tuning)</source>
        <translation>Zurückgehaltener Text (Abstimmung)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Calibration (static)</source>
        <translation>Kalibrierung (statisch)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Shard</source>
        <translation>Teil</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+21"/>
        <source>Output folder</source>
        <translation>Ausgabeordner</translation>
    </message>
    <message>
        <location line="-17"/>
        <source>Show Results</source>
        <translation>Ergebnisse anzeigen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Show the results of the output folder</source>
        <translation>Die Ergebnisse des Ausgabeordners anzeigen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Export Tables…</source>
        <translation>Tabellen exportieren…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Export Pareto Figure…</source>
        <translation>Pareto-Abbildung exportieren…</translation>
    </message>
    <message>
        <location line="+25"/>
        <source>Export the tables to</source>
        <translation>Tabellen exportieren nach</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Export the Pareto figure</source>
        <translation>Pareto-Abbildung exportieren</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>PDF (*.pdf);;SVG (*.svg);;PNG (*.png)</source>
        <translation>PDF (*.pdf);;SVG (*.svg);;PNG (*.png)</translation>
    </message>
    <message numerus="yes">
        <location line="+17"/>
        <source>This folder holds %n finished cell(s): the run resumes from them and computes only the missing cells.</source>
        <translation>
            <numerusform>Dieser Ordner enthält %n fertige Zelle: Der Lauf setzt dort fort und berechnet nur die fehlenden Zellen.</numerusform>
            <numerusform>Dieser Ordner enthält %n fertige Zellen: Der Lauf setzt dort fort und berechnet nur die fehlenden Zellen.</numerusform>
        </translation>
    </message>
    <message>
        <location line="+3"/>
        <source>A new evaluation: the folder holds no finished cells.</source>
        <translation>Eine neue Auswertung: Der Ordner enthält keine fertigen Zellen.</translation>
    </message>
    <message>
        <location line="+46"/>
        <source>method &apos;%1&apos; needs a policy file (dash:FILE)</source>
        <translation>Methode &apos;%1&apos; braucht eine Policy-Datei (dash:DATEI)</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>ratios must be numbers from 1 to 64, got &apos;%1&apos;</source>
        <translation>Verhältnisse müssen Zahlen von 1 bis 64 sein, erhalten: &apos;%1&apos;</translation>
    </message>
    <message>
        <location line="+43"/>
        <source>the model is missing</source>
        <translation>das Modell fehlt</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>the output folder is missing</source>
        <translation>der Ausgabeordner fehlt</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>choose at least one task</source>
        <translation>mindestens eine Aufgabe wählen</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>choose at least one method</source>
        <translation>mindestens eine Methode wählen</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>choose at least one ratio</source>
        <translation>mindestens ein Verhältnis wählen</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>the shard must be K of N with K &lt;= N</source>
        <translation>der Teil muss K von N mit K &lt;= N sein</translation>
    </message>
    <message>
        <location line="+25"/>
        <location line="+22"/>
        <source>no results are shown</source>
        <translation>es werden keine Ergebnisse angezeigt</translation>
    </message>
    <message>
        <location line="-10"/>
        <source>cannot copy %1 to %2</source>
        <translation>%1 kann nicht nach %2 kopiert werden</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>%1 holds no tables</source>
        <translation>%1 enthält keine Tabellen</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>the figure&apos;s file name must end in .svg, .pdf or .png: %1</source>
        <translation>der Dateiname der Abbildung muss auf .svg, .pdf oder .png enden: %1</translation>
    </message>
</context>
<context>
    <name>dash::studio::ExportActions</name>
    <message>
        <location filename="../app/studio/export_actions.cpp" line="+24"/>
        <source>&amp;Export</source>
        <translation>&amp;Exportieren</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Figure…</source>
        <translation>&amp;Abbildung…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Ctrl+E</source>
        <translation>Ctrl+E</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Export the heatmap, the curves or the timeline as SVG, PDF or PNG</source>
        <translation>Heatmap, Kurven oder Zeitleiste als SVG, PDF oder PNG exportieren</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Heatmap Data as CSV…</source>
        <translation>&amp;Heatmap-Daten als CSV…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Curve Data as CSV…</source>
        <translation>&amp;Kurvendaten als CSV…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Timeline Data as CSV…</source>
        <translation>&amp;Zeitleisten-Daten als CSV…</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>&amp;Sweep as LaTeX Table…</source>
        <translation>&amp;Sweep als LaTeX-Tabelle…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Turn the output of dash-cli sweep --json into a table like the paper&apos;s Table 1</source>
        <translation>Die Ausgabe von dash-cli sweep --json in eine Tabelle wie Tabelle 1 des Papers umwandeln</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>Export</source>
        <translation>Exportieren</translation>
    </message>
    <message>
        <location line="+38"/>
        <location line="+36"/>
        <source>Cannot write %1: %2</source>
        <translation>%1 kann nicht geschrieben werden: %2</translation>
    </message>
    <message>
        <location line="-26"/>
        <source>Export Data</source>
        <translation>Daten exportieren</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>CSV files (*.csv)</source>
        <translation>CSV-Dateien (*.csv)</translation>
    </message>
    <message>
        <location line="+30"/>
        <source>Open Sweep</source>
        <translation>Sweep öffnen</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Sweep results (*.json)</source>
        <translation>Sweep-Ergebnisse (*.json)</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Save LaTeX Table</source>
        <translation>LaTeX-Tabelle speichern</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>LaTeX files (*.tex)</source>
        <translation>LaTeX-Dateien (*.tex)</translation>
    </message>
</context>
<context>
    <name>dash::studio::ExportFigureDialog</name>
    <message>
        <location filename="../app/studio/export_figure_dialog.cpp" line="+40"/>
        <location line="+4"/>
        <location line="+257"/>
        <source>Export Figure</source>
        <translation>Abbildung exportieren</translation>
    </message>
    <message>
        <location line="-260"/>
        <source>%1 exists. Replace it?</source>
        <translation>%1 existiert bereits. Ersetzen?</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Heatmap</source>
        <translation>Heatmap</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Similarity curves</source>
        <translation>Ähnlichkeitskurven</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Stream timeline</source>
        <translation>Stream-Zeitleiste</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>PDF (vector)</source>
        <translation>PDF (Vektor)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>SVG (vector)</source>
        <translation>SVG (Vektor)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>PNG (raster)</source>
        <translation>PNG (Raster)</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>mm</source>
        <translation>mm</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>in</source>
        <translation>Zoll</translation>
    </message>
    <message>
        <location line="+10"/>
        <source> dpi</source>
        <translation> dpi</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Serif</source>
        <translation>Serifenschrift</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Sans serif</source>
        <translation>Serifenlose Schrift</translation>
    </message>
    <message>
        <location line="+5"/>
        <source> pt</source>
        <translation> pt</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Layer state</source>
        <translation>Schichtzustand</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>cos(in,out)</source>
        <translation>cos(ein,aus)</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Browse…</source>
        <translation>Durchsuchen…</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Also write the figure&apos;s data as CSV</source>
        <translation>Die Daten der Abbildung auch als CSV schreiben</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Export</source>
        <translation>Exportieren</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Figure</source>
        <translation>Abbildung</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Format</source>
        <translation>Format</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Size</source>
        <translation>Größe</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Resolution</source>
        <translation>Auflösung</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Font</source>
        <translation>Schrift</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Heatmap colour</source>
        <translation>Heatmap-Farbe</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>File</source>
        <translation>Datei</translation>
    </message>
    <message>
        <location line="+156"/>
        <source>%1 × %2 pixels</source>
        <translation>%1 × %2 Pixel</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>vector; resolution not needed</source>
        <translation>Vektor; keine Auflösung nötig</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>No run to export</source>
        <translation>Kein Lauf zum Exportieren</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>%1 files (*.%2)</source>
        <translation>%1-Dateien (*.%2)</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>There is no run to export.</source>
        <translation>Es gibt keinen Lauf zum Exportieren.</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Choose the file to write.</source>
        <translation>Wählen Sie die zu schreibende Datei.</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>%1: unknown figure format “.%2”; use .pdf, .svg or .png.</source>
        <translation>%1: unbekanntes Abbildungsformat „.%2“; .pdf, .svg oder .png verwenden.</translation>
    </message>
    <message>
        <location line="+22"/>
        <source>The figure was written, but its data was not: %1</source>
        <translation>Die Abbildung wurde geschrieben, ihre Daten aber nicht: %1</translation>
    </message>
</context>
<context>
    <name>dash::studio::FigurePainter</name>
    <message>
        <location filename="../app/studio/figure_renderer.cpp" line="+205"/>
        <source>No tokens</source>
        <translation>Keine Tokens</translation>
    </message>
    <message>
        <location line="+35"/>
        <source>cos(in,out)</source>
        <translation>cos(ein,aus)</translation>
    </message>
    <message>
        <location line="+36"/>
        <location line="+119"/>
        <location line="+102"/>
        <source>The figure is too small</source>
        <translation>Die Abbildung ist zu klein</translation>
    </message>
    <message>
        <location line="-175"/>
        <location line="+107"/>
        <source>layer</source>
        <translation>Schicht</translation>
    </message>
    <message>
        <location line="-86"/>
        <source>token</source>
        <translation>Token</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>No layers</source>
        <translation>Keine Schichten</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>cos(in,out), token %1 “%2”</source>
        <translation>cos(ein,aus), Token %1 „%2“</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>cos(in,out), prompt mean</source>
        <translation>cos(ein,aus), Mittel über den Prompt</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>adjacent-layer similarity</source>
        <translation>Ähnlichkeit benachbarter Schichten</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>skipped layer</source>
        <translation>übersprungene Schicht</translation>
    </message>
    <message>
        <location line="+59"/>
        <source>cosine similarity</source>
        <translation>Kosinus-Ähnlichkeit</translation>
    </message>
    <message>
        <location line="+32"/>
        <source>No spans recorded</source>
        <translation>Keine Zeitspannen aufgezeichnet</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>overlap %1 % of policy time hidden</source>
        <translation>Überlappung: %1 % der Policy-Zeit verdeckt</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>no policy stream</source>
        <translation>kein Policy-Stream</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>%1 · %2 ms/token</source>
        <translation>%1 · %2 ms/Token</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>compute</source>
        <translation>Berechnung</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>policy</source>
        <translation>Policy</translation>
    </message>
    <message>
        <location line="+57"/>
        <source>time (ms)</source>
        <translation>Zeit (ms)</translation>
    </message>
    <message>
        <location line="+67"/>
        <source>Cannot write %1</source>
        <translation>%1 kann nicht geschrieben werden</translation>
    </message>
</context>
<context>
    <name>dash::studio::GeneratedTextView</name>
    <message>
        <location filename="../app/studio/generated_text_view.cpp" line="+10"/>
        <source>Generated text appears here</source>
        <translation>Hier erscheint der erzeugte Text</translation>
    </message>
    <message>
        <location line="+31"/>
        <source>%1 % of full compute</source>
        <translation>%1 % der vollen Rechenleistung</translation>
    </message>
</context>
<context>
    <name>dash::studio::HeatmapLegend</name>
    <message>
        <location filename="../app/studio/heatmap_legend.cpp" line="+41"/>
        <location line="+35"/>
        <source>cos(in,out)</source>
        <translation>cos(ein,aus)</translation>
    </message>
</context>
<context>
    <name>dash::studio::HeatmapModel</name>
    <message>
        <location filename="../app/studio/heatmap_model.cpp" line="+126"/>
        <source>%1 %2  </source>
        <translation>%1 %2  </translation>
    </message>
    <message>
        <location line="+3"/>
        <source>none (no policy scored this cell)</source>
        <translation>keine (keine Policy hat diese Zelle bewertet)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>generated token</source>
        <translation>erzeugtes Token</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>prompt token</source>
        <translation>Prompt-Token</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>&lt;br&gt;Against full precision: Δ log p %1 nats · KL %2 nats</source>
        <translation>&lt;br&gt;Gegenüber voller Genauigkeit: Δ log p %1 nats · KL %2 nats</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>&lt;b&gt;%1&lt;/b&gt; — %2 %3 (id %4)&lt;br&gt;Layer %5: &lt;b&gt;%6&lt;/b&gt;&lt;br&gt;cos(in,out) %7 · adjacent %8&lt;br&gt;Policy scores: %9&lt;br&gt;Time %10 µs</source>
        <translation>&lt;b&gt;%1&lt;/b&gt; — %2 %3 (ID %4)&lt;br&gt;Schicht %5: &lt;b&gt;%6&lt;/b&gt;&lt;br&gt;cos(ein,aus) %7 · benachbart %8&lt;br&gt;Policy-Bewertungen: %9&lt;br&gt;Zeit %10 µs</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>Layer %1</source>
        <translation>Schicht %1</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Token %1: “%2” (id %3)</source>
        <translation>Token %1: „%2“ (ID %3)</translation>
    </message>
</context>
<context>
    <name>dash::studio::HeatmapPanel</name>
    <message>
        <location filename="../app/studio/heatmap_panel.cpp" line="+26"/>
        <source>Layer state</source>
        <translation>Schichtzustand</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>cos(in,out)</source>
        <translation>cos(ein,aus)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>What the cell colour shows</source>
        <translation>Was die Zellfarbe zeigt</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>Heatmap (tokens × layers)</source>
        <translation>Heatmap (Tokens × Schichten)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Colour:</source>
        <translation>Farbe:</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>−</source>
        <translation>−</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Zoom out (Ctrl+wheel)</source>
        <translation>Verkleinern (Strg+Mausrad)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>1:1</source>
        <translation>1:1</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Reset zoom</source>
        <translation>Zoom zurücksetzen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>+</source>
        <translation>+</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Zoom in (Ctrl+wheel)</source>
        <translation>Vergrößern (Strg+Mausrad)</translation>
    </message>
    <message>
        <location line="+34"/>
        <source>input-aware %1</source>
        <translation>eingabeabhängig %1</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Input awareness of this run&apos;s states over its %1 tokens: %2 of the tokens differ from their layer&apos;s majority state (mean over layers 1..%3; 0 for a policy that decides per layer only). Mutual information beyond chance between the states and the token id: %4 bits; the position: %5 bits.</source>
        <translation>Eingabeabhängigkeit der Zustände dieses Laufs über seine %1 Tokens: %2 der Tokens weichen vom Mehrheitszustand ihrer Schicht ab (Mittel über die Schichten 1..%3; 0 für eine Policy, die nur je Schicht entscheidet). Transinformation über den Zufall hinaus zwischen den Zuständen und der Token-ID: %4 Bit; der Position: %5 Bit.</translation>
    </message>
</context>
<context>
    <name>dash::studio::InferenceWorker</name>
    <message>
        <location filename="../app/studio/inference_worker.cpp" line="+202"/>
        <location line="+48"/>
        <source>No model is loaded.</source>
        <translation>Es ist kein Modell geladen.</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>There is no run to probe.</source>
        <translation>Es gibt keinen Lauf zum Untersuchen.</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>This run&apos;s model or policy is no longer the active one; run it again to probe it.</source>
        <translation>Modell oder Policy dieses Laufs sind nicht mehr aktiv; zum Untersuchen erneut ausführen.</translation>
    </message>
    <message>
        <location line="+58"/>
        <source>%1 unavailable, running on the CPU: %2</source>
        <translation>%1 nicht verfügbar, läuft auf der CPU: %2</translation>
    </message>
</context>
<context>
    <name>dash::studio::JobDialog</name>
    <message>
        <location filename="../app/studio/job_dialogs.cpp" line="-273"/>
        <source>%1 is missing</source>
        <translation>%1 fehlt</translation>
    </message>
    <message>
        <location line="+65"/>
        <source>Start</source>
        <translation>Starten</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Cancel Job</source>
        <translation>Auftrag abbrechen</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Close</source>
        <translation>Schließen</translation>
    </message>
    <message>
        <location line="+43"/>
        <source>Cannot start: %1</source>
        <translation>Start nicht möglich: %1</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Started %1</source>
        <translation>Gestartet um %1</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Cancelling…</source>
        <translation>Wird abgebrochen…</translation>
    </message>
    <message>
        <location line="+23"/>
        <source>A job is running. Cancel it and close this window?</source>
        <translation>Ein Auftrag läuft. Abbrechen und dieses Fenster schließen?</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Cancel the Job</source>
        <translation>Auftrag abbrechen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Keep Running</source>
        <translation>Weiterlaufen lassen</translation>
    </message>
    <message>
        <location line="+24"/>
        <source>ETA %1</source>
        <translation>Restzeit %1</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Done</source>
        <translation>Fertig</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Finished in %1 s: %2</source>
        <translation>Fertig nach %1 s: %2</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Saved %1</source>
        <translation>%1 gespeichert</translation>
    </message>
    <message>
        <location line="+29"/>
        <source>Cancelled</source>
        <translation>Abgebrochen</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Failed</source>
        <translation>Fehlgeschlagen</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Cancelled after %1 s</source>
        <translation>Nach %1 s abgebrochen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Failed: %1</source>
        <translation>Fehlgeschlagen: %1</translation>
    </message>
</context>
<context>
    <name>dash::studio::LanguageMenu</name>
    <message>
        <location filename="../app/studio/ui_language.cpp" line="+86"/>
        <source>Language</source>
        <translation>Sprache</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The new language applies when DASH Studio starts again.</source>
        <translation>Die neue Sprache gilt nach dem nächsten Start von DASH Studio.</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Restart Now</source>
        <translation>Jetzt neu starten</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Later</source>
        <translation>Später</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>&amp;Language</source>
        <translation>&amp;Sprache</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>System Default</source>
        <translation>Systemvorgabe</translation>
    </message>
</context>
<context>
    <name>dash::studio::LiveAbWindow</name>
    <message>
        <location filename="../app/studio/live_ab_window.cpp" line="+53"/>
        <source>Live A/B — DASH Studio</source>
        <translation>Live-A/B — DASH Studio</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Type a prompt; both policies run on every edit</source>
        <translation>Prompt eingeben; beide Policies laufen bei jeder Änderung</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>&amp;Prompt:</source>
        <translation>&amp;Prompt:</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Policy &amp;A:</source>
        <translation>Policy &amp;A:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Policy &amp;B:</source>
        <translation>Policy &amp;B:</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>Difference B − A</source>
        <translation>Differenz B − A</translation>
    </message>
    <message>
        <location line="+14"/>
        <source> rounds</source>
        <translation> Runden</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Measured rounds, after one warm-up round; each round runs A and B twice, in the order A B B A or B A A B</source>
        <translation>Gemessene Runden nach einer Aufwärmrunde; jede Runde führt A und B je zweimal aus, in der Reihenfolge A B B A oder B A A B</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Measure</source>
        <translation>&amp;Messen</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Time both policies on this prompt: full prefills without the KV cache, one side at a time, alternating</source>
        <translation>Beide Policies auf diesem Prompt messen: vollständige Prefills ohne KV-Cache, immer nur eine Seite, abwechselnd</translation>
    </message>
    <message>
        <location line="+121"/>
        <source>Wait until both sides have run, then measure.</source>
        <translation>Warten, bis beide Seiten gelaufen sind, dann messen.</translation>
    </message>
    <message>
        <location line="+24"/>
        <source>Measuring: run %1 of %2…</source>
        <translation>Messung: Lauf %1 von %2…</translation>
    </message>
    <message>
        <location line="+28"/>
        <source>Prefill ms/token, median (quartiles) of %1 runs each: A %2 (%3–%4), B %5 (%6–%7). B&apos;s speed relative to A over %8 rounds: median %9× (%10–%11×)</source>
        <translation>Prefill ms/Token, Median (Quartile) aus je %1 Läufen: A %2 (%3–%4), B %5 (%6–%7). Geschwindigkeit von B relativ zu A über %8 Runden: Median %9× (%10–%11×)</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>The measurement stopped: %1</source>
        <translation>Die Messung wurde beendet: %1</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>%1 · nominal %2× · prefill %3 ms/token · mean Δ log p %4 nats · mean KL %5 nats</source>
        <translation>%1 · nominell %2× · Prefill %3 ms/Token · mittleres Δ log p %4 nats · mittlere KL %5 nats</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>One run each; use a measurement with repeats before comparing speeds. Δ log p: log-likelihood of each prompt token under the policy minus under full precision; KL(full ‖ policy) of the distribution that predicts it.</source>
        <translation>Je ein Lauf; vor einem Geschwindigkeitsvergleich eine Messung mit Wiederholungen verwenden. Δ log p: Log-Likelihood jedes Prompt-Tokens unter der Policy minus unter voller Genauigkeit; KL(voll ‖ Policy) der Verteilung, die es vorhersagt.</translation>
    </message>
    <message numerus="yes">
        <location line="+19"/>
        <source>%n cell(s) in another state</source>
        <translation>
            <numerusform>%n Zelle in einem anderen Zustand</numerusform>
            <numerusform>%n Zellen in einem anderen Zustand</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>dash::studio::MainWindow</name>
    <message>
        <location filename="../app/studio/main_window.cpp" line="+73"/>
        <source>DASH Studio</source>
        <translation>DASH Studio</translation>
    </message>
    <message>
        <location line="+47"/>
        <source>Saved run #%1 to %2</source>
        <translation>Lauf Nr. %1 in %2 gespeichert</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>The run was not saved: %1</source>
        <translation>Der Lauf wurde nicht gespeichert: %1</translation>
    </message>
    <message>
        <location line="+32"/>
        <source>Type a prompt; every edit runs the model again</source>
        <translation>Geben Sie einen Prompt ein; jede Änderung lässt das Modell erneut laufen</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Tokens shaded by the compute they used (Σ states / 4L); generated tokens in bold</source>
        <translation>Tokens nach ihrem Rechenaufwand schattiert (Σ Zustände / 4L); erzeugte Tokens fett</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>Similarity Curves</source>
        <translation>Ähnlichkeitskurven</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Stream Timeline</source>
        <translation>Stream-Zeitachse</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Counterfactual and Logit Lens</source>
        <translation>Kontrafaktum und Logit-Lens</translation>
    </message>
    <message>
        <location line="+63"/>
        <source>&amp;File</source>
        <translation>&amp;Datei</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Open Model…</source>
        <translation>Modell ö&amp;ffnen…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Open &amp;Recent</source>
        <translation>&amp;Zuletzt geöffnet</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Save Run</source>
        <translation>Lauf &amp;speichern</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Save the latest run to the run store</source>
        <translation>Den letzten Lauf im Laufspeicher sichern</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Generate Now</source>
        <translation>Jetzt &amp;erzeugen</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Ctrl+Return</source>
        <translation>Ctrl+Return</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Run the prompt now instead of waiting for typing to pause</source>
        <translation>Den Prompt sofort ausführen, statt auf eine Tipppause zu warten</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Exported %1</source>
        <translation>%1 exportiert</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>&amp;Quit</source>
        <translation>&amp;Beenden</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>&amp;Edit</source>
        <translation>&amp;Bearbeiten</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Preferences…</source>
        <translation>&amp;Einstellungen…</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>&amp;View</source>
        <translation>&amp;Ansicht</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Zoom &amp;In Heatmap</source>
        <translation>Heatmap ver&amp;größern</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Zoom &amp;Out Heatmap</source>
        <translation>Heatmap ver&amp;kleinern</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Reset Heatmap Zoom</source>
        <translation>Heatmap-Zoom &amp;zurücksetzen</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Similarity &amp;Curves</source>
        <translation>Ähnlichkeits&amp;kurven</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Stream &amp;Timeline</source>
        <translation>Stream-&amp;Zeitachse</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Counter&amp;factual and Logit Lens</source>
        <translation>Kontra&amp;faktum und Logit-Lens</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Reset &amp;Layout</source>
        <translation>&amp;Layout zurücksetzen</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Live &amp;A/B…</source>
        <translation>Live-&amp;A/B…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Ctrl+Shift+B</source>
        <translation>Ctrl+Shift+B</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Go to &amp;Prompt</source>
        <translation>Zum &amp;Prompt</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Ctrl+L</source>
        <translation>Ctrl+L</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Go to &amp;Heatmap</source>
        <translation>Zur &amp;Heatmap</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Ctrl+Shift+H</source>
        <translation>Ctrl+Shift+H</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>&amp;Settings</source>
        <translation>Ein&amp;stellungen</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Help</source>
        <translation>&amp;Hilfe</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;About DASH Studio</source>
        <translation>Ü&amp;ber DASH Studio</translation>
    </message>
    <message>
        <location line="+93"/>
        <source>Open Model</source>
        <translation>Modell öffnen</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>GGUF models (*.gguf)</source>
        <translation>GGUF-Modelle (*.gguf)</translation>
    </message>
    <message>
        <location line="+29"/>
        <source>About DASH Studio</source>
        <translation>Über DASH Studio</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&lt;h3&gt;DASH Studio %1&lt;/h3&gt;&lt;p&gt;Explore dynamic layer skipping: per-token, per-layer execution states, layer similarities and timings of a language model, live as you type.&lt;/p&gt;</source>
        <translation>&lt;h3&gt;DASH Studio %1&lt;/h3&gt;&lt;p&gt;Erkunden Sie dynamisches Überspringen von Schichten: Ausführungszustände je Token und Schicht, Schichtähnlichkeiten und Zeiten eines Sprachmodells, live während Sie tippen.&lt;/p&gt;</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>This run is already saved</source>
        <translation>Dieser Lauf ist bereits gespeichert</translation>
    </message>
    <message>
        <location line="+29"/>
        <source>Loading %1…</source>
        <translation>%1 wird geladen…</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>%1 — DASH Studio</source>
        <translation>%1 — DASH Studio</translation>
    </message>
    <message numerus="yes">
        <location line="+2"/>
        <source>%1 · %2 · %n thread(s)</source>
        <translation>
            <numerusform>%1 · %2 · %n Thread</numerusform>
            <numerusform>%1 · %2 · %n Threads</numerusform>
        </translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Could not open %1: %2</source>
        <translation>%1 konnte nicht geöffnet werden: %2</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Model not changed</source>
        <translation>Modell nicht geändert</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>The prompt did not run: %1</source>
        <translation>Der Prompt lief nicht: %1</translation>
    </message>
    <message numerus="yes">
        <location line="+19"/>
        <source>%n token(s)</source>
        <translation>
            <numerusform>%n Token</numerusform>
            <numerusform>%n Tokens</numerusform>
        </translation>
    </message>
    <message>
        <location line="+4"/>
        <source>nominal ratio %1×</source>
        <translation>nominelles Verhältnis %1×</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>%1 · %2</source>
        <translation>%1 · %2</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Running…</source>
        <translation>Läuft…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Ready · %1</source>
        <translation>Bereit · %1</translation>
    </message>
</context>
<context>
    <name>dash::studio::ModelDownloadPanel</name>
    <message>
        <location filename="../app/studio/model_download_panel.cpp" line="+21"/>
        <source>&lt;b&gt;No model at hand?&lt;/b&gt; Download a small one:</source>
        <translation>&lt;b&gt;Kein Modell zur Hand?&lt;/b&gt; Laden Sie ein kleines herunter:</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Download</source>
        <translation>Herunterladen</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <location line="+26"/>
        <source>Resuming at %1</source>
        <translation>Fortsetzen bei %1</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Downloaded and checked: %1</source>
        <translation>Heruntergeladen und geprüft: %1</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Download failed: %1</source>
        <translation>Herunterladen fehlgeschlagen: %1</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Cancelled; a new download resumes where this one stopped</source>
        <translation>Abgebrochen; ein neuer Download setzt dort fort, wo dieser aufgehört hat</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>%1 (%2)</source>
        <translation>%1 (%2)</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Already downloaded: %1</source>
        <translation>Bereits heruntergeladen: %1</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Downloading %1…</source>
        <translation>%1 wird heruntergeladen…</translation>
    </message>
    <message>
        <location line="+24"/>
        <source>%1 of %2</source>
        <translation>%1 von %2</translation>
    </message>
</context>
<context>
    <name>dash::studio::ModelDownloader</name>
    <message>
        <location filename="../app/studio/model_download.cpp" line="+121"/>
        <location line="+85"/>
        <source>Cannot write %1: %2</source>
        <translation>%1 kann nicht geschrieben werden: %2</translation>
    </message>
    <message>
        <location line="-43"/>
        <source>The server resumed at the wrong offset (asked for byte %1, got &quot;%2&quot;)</source>
        <translation>Der Server setzte am falschen Versatz fort (Byte %1 angefragt, &quot;%2&quot; erhalten)</translation>
    </message>
    <message>
        <location line="+26"/>
        <source>The partial download did not fit the file on the server and was removed; start the download again</source>
        <translation>Der Teil-Download passte nicht zur Datei auf dem Server und wurde entfernt; starten Sie den Download erneut</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>The server answered %1 %2</source>
        <translation>Der Server antwortete %1 %2</translation>
    </message>
    <message>
        <location line="+37"/>
        <source>The download stopped after %1 bytes: %2</source>
        <translation>Der Download brach nach %1 Bytes ab: %2</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>The download stopped after %1 of %2 bytes</source>
        <translation>Der Download brach nach %1 von %2 Bytes ab</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>The downloaded file&apos;s SHA-256 is %1, not the expected %2; it was deleted</source>
        <translation>Die SHA-256 der heruntergeladenen Datei ist %1, nicht die erwartete %2; sie wurde gelöscht</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Cannot move the download to %1</source>
        <translation>Der Download kann nicht nach %1 verschoben werden</translation>
    </message>
</context>
<context>
    <name>dash::studio::PathField</name>
    <message>
        <location filename="../app/studio/job_dialogs.cpp" line="-216"/>
        <source>Choose a file</source>
        <translation>Datei wählen</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Choose where to save</source>
        <translation>Speicherort wählen</translation>
    </message>
</context>
<context>
    <name>dash::studio::PolicyPicker</name>
    <message>
        <location filename="../app/studio/policy_picker.cpp" line="+36"/>
        <source>The policy that chooses how each layer runs for each token</source>
        <translation>Die Policy, die für jedes Token bestimmt, wie jede Schicht läuft</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>%1…</source>
        <translation>%1…</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Target nominal acceleration ratio (4·L / Σ states)</source>
        <translation>Angestrebtes nominelles Beschleunigungsverhältnis (4·L / Σ Zustände)</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Open Calibration File…</source>
        <translation>Kalibrierungsdatei öffnen…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Compute Calibration…</source>
        <translation>Kalibrierung berechnen…</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>K/V of skipped layers</source>
        <translation>K/V übersprungener Schichten</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Project from the compensated input</source>
        <translation>Aus der kompensierten Eingabe projizieren</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Mask the position</source>
        <translation>Position maskieren</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Asynchronous DASH decisions</source>
        <translation>Asynchrone DASH-Entscheidungen</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Score layer i+1 on an idle worker thread while layer i runs (eq. 19–20); off: decide from the exact hidden state</source>
        <translation>Schicht i+1 in einem untätigen Worker-Thread bewerten, während Schicht i läuft (Gl. 19–20); aus: anhand des exakten verborgenen Zustands entscheiden</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Options</source>
        <translation>Optionen</translation>
    </message>
    <message>
        <location line="+224"/>
        <source>Open Policy File…</source>
        <translation>Policy-Datei öffnen…</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Recent</source>
        <translation>Zuletzt verwendet</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Clear Recent</source>
        <translation>Liste leeren</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Choose file…</source>
        <translation>Datei wählen…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Open a .policy file</source>
        <translation>Eine .policy-Datei öffnen</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Calibration…</source>
        <translation>Kalibrierung…</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Static similarity skipping ranks layers by a calibration file</source>
        <translation>Statisches Ähnlichkeits-Überspringen ordnet die Schichten nach einer Kalibrierungsdatei</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Open Policy File</source>
        <translation>Policy-Datei öffnen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>DASH policies (*.policy *.json);;All files (*)</source>
        <translation>DASH-Policies (*.policy *.json);;Alle Dateien (*)</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Open Calibration File</source>
        <translation>Kalibrierungsdatei öffnen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Calibrations (*.json);;All files (*)</source>
        <translation>Kalibrierungen (*.json);;Alle Dateien (*)</translation>
    </message>
</context>
<context>
    <name>dash::studio::RerunDialog</name>
    <message>
        <location filename="../app/studio/run_rerun.cpp" line="+98"/>
        <source>Re-run #%1 with Another Policy</source>
        <translation>Lauf Nr. %1 mit anderer Policy wiederholen</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>The prompt, model and number of generated tokens of run #%1 stay as they were; the result is saved as a new run and opened beside the original.</source>
        <translation>Prompt, Modell und Zahl der erzeugten Tokens von Lauf Nr. %1 bleiben, wie sie waren; das Ergebnis wird als neuer Lauf gespeichert und neben dem Original geöffnet.</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Prompt:</source>
        <translation>Prompt:</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Model:</source>
        <translation>Modell:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Generated tokens:</source>
        <translation>Erzeugte Tokens:</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Policy of the run:</source>
        <translation>Policy des Laufs:</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>New policy:</source>
        <translation>Neue Policy:</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Re-run</source>
        <translation>Wiederholen</translation>
    </message>
</context>
<context>
    <name>dash::studio::RunControls</name>
    <message>
        <location filename="../app/studio/run_controls.cpp" line="+22"/>
        <source>%1 — unavailable: %2</source>
        <translation>%1 — nicht verfügbar: %2</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>none</source>
        <translation>keine</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Greedy tokens generated after the prompt on every run</source>
        <translation>Tokens, die bei jedem Lauf nach dem Prompt gierig erzeugt werden</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>&amp;Policy:</source>
        <translation>&amp;Policy:</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>&amp;Backend:</source>
        <translation>Bac&amp;kend:</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>&amp;Generate:</source>
        <translation>&amp;Erzeugen:</translation>
    </message>
</context>
<context>
    <name>dash::studio::RunListModel</name>
    <message>
        <location filename="../app/studio/run_list_model.cpp" line="+97"/>
        <source>%1 UTC</source>
        <translation>%1 UTC</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>A sweep result: perplexity and speed measured on held-out text; it has no tokens or cells of its own</source>
        <translation>Ein Sweep-Ergebnis: Perplexität und Geschwindigkeit auf zurückgehaltenem Text gemessen; es hat keine eigenen Tokens oder Zellen</translation>
    </message>
    <message>
        <location line="+30"/>
        <source>sweep</source>
        <translation>Sweep</translation>
    </message>
    <message>
        <location line="+57"/>
        <source>#</source>
        <translation>Nr.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Created</source>
        <translation>Erstellt</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Label</source>
        <translation>Bezeichnung</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Model</source>
        <translation>Modell</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Policy</source>
        <translation>Policy</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Tokens</source>
        <translation>Tokens</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Nominal ×</source>
        <translation>Nominell ×</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>ms/token</source>
        <translation>ms/Token</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Perplexity</source>
        <translation>Perplexität</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Speedup ×</source>
        <translation>Beschleunigung ×</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Backend</source>
        <translation>Backend</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Prompt</source>
        <translation>Prompt</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Policy File</source>
        <translation>Policy-Datei</translation>
    </message>
</context>
<context>
    <name>dash::studio::RunRerunner</name>
    <message>
        <location filename="../app/studio/run_rerun.cpp" line="-57"/>
        <source>cannot load %1: %2</source>
        <translation>%1 kann nicht geladen werden: %2</translation>
    </message>
</context>
<context>
    <name>dash::studio::RunTools</name>
    <message>
        <location filename="../app/studio/run_tools.cpp" line="+28"/>
        <source>Runs</source>
        <translation>Läufe</translation>
    </message>
    <message>
        <location line="+35"/>
        <source>&amp;Runs</source>
        <translation>&amp;Läufe</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Run &amp;Browser</source>
        <translation>Lauf-&amp;Browser</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Go to Run List</source>
        <translation>Zur Lauf&amp;liste</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Ctrl+Shift+R</source>
        <translation>Ctrl+Shift+R</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Save Runs &amp;Automatically</source>
        <translation>Läufe automatisch &amp;speichern</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Save each run once results stay unchanged for a moment</source>
        <translation>Jeden Lauf speichern, sobald die Ergebnisse eine Weile unverändert bleiben</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>&amp;Compare Selected Runs</source>
        <translation>Gewählte Läufe &amp;vergleichen</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Ctrl+Shift+C</source>
        <translation>Ctrl+Shift+C</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Refresh</source>
        <translation>&amp;Aktualisieren</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Tools</source>
        <translation>&amp;Werkzeuge</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Calibrate…</source>
        <translation>&amp;Kalibrieren…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Train Policy…</source>
        <translation>Policy &amp;trainieren…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Run &amp;Sweep…</source>
        <translation>&amp;Sweep ausführen…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Evaluate…</source>
        <translation>&amp;Auswerten…</translation>
    </message>
</context>
<context>
    <name>dash::studio::RunsPanel</name>
    <message>
        <location filename="../app/studio/runs_panel.cpp" line="+62"/>
        <source>Re-run with Another &amp;Policy…</source>
        <translation>Mit anderer &amp;Policy wiederholen…</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Run the selected run&apos;s prompt again on its model with another policy</source>
        <translation>Den Prompt des gewählten Laufs auf seinem Modell mit einer anderen Policy erneut ausführen</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Model path or SHA-256</source>
        <translation>Modellpfad oder SHA-256</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Any policy</source>
        <translation>Beliebige Policy</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Label contains</source>
        <translation>Bezeichnung enthält</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Created from</source>
        <translation>Erstellt ab</translation>
    </message>
    <message>
        <location line="+30"/>
        <source>Refresh</source>
        <translation>Aktualisieren</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+283"/>
        <source>Open</source>
        <translation>Öffnen</translation>
    </message>
    <message>
        <location line="-282"/>
        <source>Show the selected run&apos;s heatmap</source>
        <translation>Die Heatmap des gewählten Laufs anzeigen</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+288"/>
        <source>Compare</source>
        <translation>Vergleichen</translation>
    </message>
    <message>
        <location line="-287"/>
        <location line="+363"/>
        <source>Compare two selected runs side by side (A: the older)</source>
        <translation>Zwei gewählte Läufe nebeneinander vergleichen (A: der ältere)</translation>
    </message>
    <message>
        <location line="-362"/>
        <location line="+290"/>
        <source>Delete…</source>
        <translation>Löschen…</translation>
    </message>
    <message>
        <location line="-282"/>
        <source>Notes on the opened run</source>
        <translation>Notizen zum geöffneten Lauf</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Save Notes</source>
        <translation>Notizen speichern</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Model:</source>
        <translation>Modell:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Policy:</source>
        <translation>Policy:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Label:</source>
        <translation>Bezeichnung:</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>to</source>
        <translation>bis</translation>
    </message>
    <message>
        <location line="+72"/>
        <source>Re-run of #%1 failed: %2</source>
        <translation>Wiederholung von Nr. %1 fehlgeschlagen: %2</translation>
    </message>
    <message>
        <location line="+36"/>
        <source>Compare runs #%1 and #%2 — DASH Studio</source>
        <translation>Läufe Nr. %1 und Nr. %2 vergleichen — DASH Studio</translation>
    </message>
    <message numerus="yes">
        <location line="+71"/>
        <source>%n run(s)</source>
        <translation>
            <numerusform>%n Lauf</numerusform>
            <numerusform>%n Läufe</numerusform>
        </translation>
    </message>
    <message>
        <location line="+51"/>
        <source>Run #%1 has no traced prompt (a sweep result): nothing to re-run</source>
        <translation>Lauf Nr. %1 hat keinen aufgezeichneten Prompt (ein Sweep-Ergebnis): nichts zu wiederholen</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>A re-run is under way; try again when it has finished</source>
        <translation>Eine Wiederholung läuft bereits; bitte erneut versuchen, wenn sie fertig ist</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Re-running #%1 with %2…</source>
        <translation>Nr. %1 wird mit %2 wiederholt…</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>re-run of #%1</source>
        <translation>Wiederholung von Nr. %1</translation>
    </message>
    <message>
        <location line="+30"/>
        <source>Run store: %1</source>
        <translation>Laufspeicher: %1</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>Run #%1 is a sweep result: it has no cells to compare</source>
        <translation>Lauf Nr. %1 ist ein Sweep-Ergebnis: er hat keine Zellen zum Vergleichen</translation>
    </message>
    <message>
        <location line="+24"/>
        <source>Delete Runs</source>
        <translation>Läufe löschen</translation>
    </message>
    <message numerus="yes">
        <location line="+1"/>
        <source>Delete %n saved run(s)? This cannot be undone.</source>
        <translation>
            <numerusform>%n gespeicherten Lauf löschen? Das kann nicht rückgängig gemacht werden.</numerusform>
            <numerusform>%n gespeicherte Läufe löschen? Das kann nicht rückgängig gemacht werden.</numerusform>
        </translation>
    </message>
    <message>
        <location line="+22"/>
        <source>Sweep results hold figures, not cells: there are no heatmaps to compare</source>
        <translation>Sweep-Ergebnisse enthalten Kennzahlen, keine Zellen: es gibt keine Heatmaps zu vergleichen</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Open a run to see its heatmap and notes.</source>
        <translation>Öffnen Sie einen Lauf, um seine Heatmap und Notizen zu sehen.</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>nominal %1× · %2 ms/token</source>
        <translation>nominell %1× · %2 ms/Token</translation>
    </message>
    <message>
        <location line="+4"/>
        <source> · perplexity %1</source>
        <translation> · Perplexität %1</translation>
    </message>
    <message>
        <location line="+2"/>
        <source> · measured %1×</source>
        <translation> · gemessen %1×</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>&lt;b&gt;Run #%1&lt;/b&gt; · %2 · %3 %4&lt;br&gt;Prompt: %5&lt;br&gt;Output: %6&lt;br&gt;%7</source>
        <translation>&lt;b&gt;Lauf Nr. %1&lt;/b&gt; · %2 · %3 %4&lt;br&gt;Prompt: %5&lt;br&gt;Ausgabe: %6&lt;br&gt;%7</translation>
    </message>
</context>
<context>
    <name>dash::studio::SettingsDialog</name>
    <message>
        <location filename="../app/studio/settings_dialog.cpp" line="+21"/>
        <source>Preferences</source>
        <translation>Einstellungen</translation>
    </message>
    <message>
        <location line="+4"/>
        <location line="+20"/>
        <source> ms</source>
        <translation> ms</translation>
    </message>
    <message>
        <location line="-17"/>
        <source>How long typing must pause before the prompt runs again. Automatic: as long as the median of the last %1 runs took, at most %2 ms (%2 ms until a run finished), so that keys typed faster than a run takes start no run, and the heatmaps follow the last key within about two run times</source>
        <translation>Wie lange das Tippen pausieren muss, bevor der Prompt erneut läuft. Automatisch: so lange, wie der Median der letzten %1 Läufe dauerte, höchstens %2 ms (%2 ms, bis ein Lauf fertig ist), sodass Tasten, die schneller kommen als ein Lauf dauert, keinen Lauf starten und die Heatmaps der letzten Taste nach etwa zwei Laufzeiten folgen</translation>
    </message>
    <message>
        <location line="-2"/>
        <source>automatic</source>
        <translation>automatisch</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>automatic (%1)</source>
        <translation>automatisch (%1)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>CPU threads of the engine; a change reloads the model</source>
        <translation>CPU-Threads der Engine; eine Änderung lädt das Modell neu</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Save every finished run to the run store</source>
        <translation>Jeden abgeschlossenen Lauf im Laufspeicher sichern</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>A run is saved once the results stay unchanged this long, so that typing saves one run rather than one per keystroke</source>
        <translation>Ein Lauf wird gespeichert, sobald die Ergebnisse so lange unverändert bleiben, damit beim Tippen ein Lauf statt einem pro Tastendruck gespeichert wird</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Text on which policies whose ratio depends on the input (Early-Exit) are tuned, and the default text of calibration</source>
        <translation>Text, auf dem Policies abgestimmt werden, deren Verhältnis von der Eingabe abhängt (Early-Exit), und Vorgabetext der Kalibrierung</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Held-Out Text</source>
        <translation>Zurückgehaltener Text</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Text (*.txt);;All files (*)</source>
        <translation>Text (*.txt);;Alle Dateien (*)</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Windows of held-out text read by each tuning step</source>
        <translation>Fenster zurückgehaltenen Texts, die jeder Abstimmungsschritt liest</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Re-run after typing pauses for</source>
        <translation>Erneut ausführen nach einer Tipp-Pause von</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Engine threads</source>
        <translation>Engine-Threads</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Save a run once results settle for</source>
        <translation>Lauf speichern, wenn die Ergebnisse stabil bleiben für</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Held-out text</source>
        <translation>Zurückgehaltener Text</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Held-out windows per tuning step</source>
        <translation>Zurückgehaltene Fenster je Abstimmungsschritt</translation>
    </message>
</context>
<context>
    <name>dash::studio::SimilarityChart</name>
    <message>
        <location filename="../app/studio/similarity_chart.cpp" line="+26"/>
        <source>cos(in,out), prompt mean</source>
        <translation>cos(ein,aus), Mittel über den Prompt</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>adjacent-layer similarity</source>
        <translation>Ähnlichkeit benachbarter Schichten</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>skipped layer</source>
        <translation>übersprungene Schicht</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>layer</source>
        <translation>Schicht</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>cosine similarity</source>
        <translation>Kosinus-Ähnlichkeit</translation>
    </message>
    <message>
        <location line="+70"/>
        <source>cos(in,out), token %1 “%2”</source>
        <translation>cos(ein,aus), Token %1 „%2“</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>cos(in,out), selected token</source>
        <translation>cos(ein,aus), gewähltes Token</translation>
    </message>
</context>
<context>
    <name>dash::studio::StreamTimeline</name>
    <message>
        <location filename="../app/studio/stream_timeline.cpp" line="+174"/>
        <source>%1 ms</source>
        <translation>%1 ms</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>No spans recorded</source>
        <translation>Keine Zeitspannen aufgezeichnet</translation>
    </message>
    <message>
        <location line="+22"/>
        <location line="+17"/>
        <source>compute</source>
        <translation>Berechnung</translation>
    </message>
    <message>
        <location line="-17"/>
        <location line="+17"/>
        <source>policy</source>
        <translation>Policy</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>none</source>
        <translation>keine</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>%1 stream · layer %2
tokens %3–%4
%5 µs, from %6 ms</source>
        <translation>%1-Stream · Schicht %2
Tokens %3–%4
%5 µs, ab %6 ms</translation>
    </message>
</context>
<context>
    <name>dash::studio::SweepJobDialog</name>
    <message>
        <location filename="../app/studio/job_dialogs.cpp" line="+477"/>
        <source>Run a Sweep</source>
        <translation>Sweep ausführen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>GGUF models (*.gguf)</source>
        <translation>GGUF-Modelle (*.gguf)</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+1"/>
        <source>Text (*.txt);;All files (*)</source>
        <translation>Text (*.txt);;Alle Dateien (*)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Calibrations (*.json)</source>
        <translation>Kalibrierungen (*.json)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>DASH policy files, separated by ;</source>
        <translation>DASH-Policy-Dateien, getrennt durch ;</translation>
    </message>
    <message>
        <location line="+27"/>
        <source>project</source>
        <translation>projizieren</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>mask</source>
        <translation>maskieren</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Save the rows to the run store</source>
        <translation>Zeilen im Laufspeicher sichern</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>JSON (*.json)</source>
        <translation>JSON (*.json)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>optional</source>
        <translation>optional</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Model</source>
        <translation>Modell</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Test text</source>
        <translation>Testtext</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Held-out text (tuning)</source>
        <translation>Zurückgehaltener Text (Abstimmung)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Calibration (static)</source>
        <translation>Kalibrierung (statisch)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>DASH policies</source>
        <translation>DASH-Policies</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Methods</source>
        <translation>Methoden</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Ratios</source>
        <translation>Verhältnisse</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Test tokens</source>
        <translation>Test-Tokens</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Tuning windows</source>
        <translation>Abstimmungsfenster</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Speed repeats</source>
        <translation>Wiederholungen der Geschwindigkeitsmessung</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>KV of skipped layers</source>
        <translation>KV übersprungener Schichten</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Also save JSON</source>
        <translation>Zusätzlich als JSON speichern</translation>
    </message>
    <message>
        <location line="+42"/>
        <source>Table</source>
        <translation>Tabelle</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Pareto figure</source>
        <translation>Pareto-Abbildung</translation>
    </message>
    <message>
        <location line="-25"/>
        <source>Perplexity against the measured speedup</source>
        <translation>Perplexität über der gemessenen Beschleunigung</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Perplexity against the nominal ratio</source>
        <translation>Perplexität über dem nominellen Verhältnis</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Export Figure…</source>
        <translation>Abbildung exportieren…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Export LaTeX Table…</source>
        <translation>LaTeX-Tabelle exportieren…</translation>
    </message>
    <message>
        <location line="+33"/>
        <source>Export the Pareto figure</source>
        <translation>Pareto-Abbildung exportieren</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>PDF (*.pdf);;SVG (*.svg);;PNG (*.png)</source>
        <translation>PDF (*.pdf);;SVG (*.svg);;PNG (*.png)</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Export the LaTeX table</source>
        <translation>LaTeX-Tabelle exportieren</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>LaTeX files (*.tex)</source>
        <translation>LaTeX-Dateien (*.tex)</translation>
    </message>
    <message>
        <location line="+40"/>
        <source>no sweep figure is shown</source>
        <translation>es wird keine Sweep-Abbildung angezeigt</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>no sweep result is shown</source>
        <translation>es wird kein Sweep-Ergebnis angezeigt</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Wrote %1</source>
        <translation>%1 geschrieben</translation>
    </message>
    <message>
        <location line="+54"/>
        <source>ratios must be numbers &gt;= 1, got &apos;%1&apos;</source>
        <translation>Verhältnisse müssen Zahlen &gt;= 1 sein, erhalten: &apos;%1&apos;</translation>
    </message>
    <message>
        <location line="+24"/>
        <source>choose where the rows go: the run store or a JSON file</source>
        <translation>wählen Sie, wohin die Zeilen gehen: in den Laufspeicher oder in eine JSON-Datei</translation>
    </message>
</context>
<context>
    <name>dash::studio::TimelinePanel</name>
    <message>
        <location filename="../app/studio/timeline_panel.cpp" line="+28"/>
        <source>prefill %1 · decode %2 ms/token</source>
        <translation>Prefill %1 · Decode %2 ms/Token</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>ms/token: wall time of this run&apos;s forward passes divided by the tokens they computed, as dash-cli run prints it. Prefill: the prompt tokens not taken from the cache; decode: the generated tokens, one pass each. One run, no repeats: expect run-to-run spread.</source>
        <translation>ms/Token: Wanduhrzeit der Vorwärtsdurchläufe dieses Laufs geteilt durch die Tokens, die sie berechnet haben, wie dash-cli run sie ausgibt. Prefill: die nicht aus dem Cache übernommenen Prompt-Tokens; Decode: die erzeugten Tokens, je ein Durchlauf. Ein Lauf ohne Wiederholung: Streuung von Lauf zu Lauf ist zu erwarten.</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>thread concurrency</source>
        <translation>Thread-Gleichzeitigkeit</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>stream concurrency</source>
        <translation>Stream-Gleichzeitigkeit</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1 %2 %</source>
        <translation>%1 %2 %</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>%1 – (no policy stream)</source>
        <translation>%1 – (kein Policy-Stream)</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Thread concurrency: the share of the policy thread&apos;s busy wall-clock time during which a compute thread was busy too. It says the threads ran at the same time, not that the policy cost nothing: on a shared or busy CPU they compete for cores.</source>
        <translation>Thread-Gleichzeitigkeit: der Anteil der belegten Wanduhrzeit des Policy-Threads, in der auch ein Rechen-Thread belegt war. Sie sagt, dass die Threads gleichzeitig liefen, nicht, dass die Policy nichts kostete: auf einer geteilten oder ausgelasteten CPU konkurrieren sie um Kerne.</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Stream concurrency: the share of the policy stream&apos;s busy time during which the compute stream was busy too, from host-side timestamps of each span; it is not a measurement of concurrent GPU kernels.</source>
        <translation>Stream-Gleichzeitigkeit: der Anteil der belegten Zeit des Policy-Streams, in der auch der Rechen-Stream belegt war, nach hostseitigen Zeitstempeln jedes Abschnitts; keine Messung gleichzeitig laufender GPU-Kernel.</translation>
    </message>
    <message>
        <location line="+23"/>
        <source>−</source>
        <translation>−</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Zoom out (Ctrl+wheel)</source>
        <translation>Verkleinern (Strg+Mausrad)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Fit</source>
        <translation>Einpassen</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Show the whole run</source>
        <translation>Den ganzen Lauf zeigen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>+</source>
        <translation>+</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Zoom in (Ctrl+wheel)</source>
        <translation>Vergrößern (Strg+Mausrad)</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>No run</source>
        <translation>Kein Lauf</translation>
    </message>
    <message numerus="yes">
        <location line="+10"/>
        <source>this run computed %n token(s) in %1 ms</source>
        <translation>
            <numerusform>dieser Lauf berechnete %n Token in %1 ms</numerusform>
            <numerusform>dieser Lauf berechnete %n Tokens in %1 ms</numerusform>
        </translation>
    </message>
    <message>
        <location line="+3"/>
        <source>%1 · %2 · %3 · %4 reused from the cache</source>
        <translation>%1 · %2 · %3 · %4 aus dem Cache übernommen</translation>
    </message>
    <message>
        <location line="-1"/>
        <source>this run computed nothing</source>
        <translation>dieser Lauf berechnete nichts</translation>
    </message>
</context>
<context>
    <name>dash::studio::TokenDeltaStrip</name>
    <message>
        <location filename="../app/studio/token_delta_strip.cpp" line="+37"/>
        <source>Per token: Δ log p, the change in log-likelihood of the token under the policy against full precision (nats; orange: less likely), and the KL divergence KL(full ‖ policy) of the distribution that predicts it</source>
        <translation>Je Token: Δ log p, die Änderung der Log-Likelihood des Tokens unter der Policy gegenüber voller Genauigkeit (nats; orange: weniger wahrscheinlich), und die KL-Divergenz KL(voll ‖ Policy) der Verteilung, die es vorhersagt</translation>
    </message>
    <message>
        <location line="+93"/>
        <source>Δ log p</source>
        <translation>Δ log p</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>KL</source>
        <translation>KL</translation>
    </message>
    <message>
        <location line="+38"/>
        <source>&lt;b&gt;%1&lt;/b&gt; (token %2): no value (nothing predicts the first token; generated tokens are not compared)</source>
        <translation>&lt;b&gt;%1&lt;/b&gt; (Token %2): kein Wert (nichts sagt das erste Token vorher; erzeugte Tokens werden nicht verglichen)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>&lt;b&gt;%1&lt;/b&gt; (token %2)&lt;br&gt;Δ log p = %3 nats (policy − full precision)&lt;br&gt;KL(full ‖ policy) = %4 nats</source>
        <translation>&lt;b&gt;%1&lt;/b&gt; (Token %2)&lt;br&gt;Δ log p = %3 nats (Policy − volle Genauigkeit)&lt;br&gt;KL(voll ‖ Policy) = %4 nats</translation>
    </message>
</context>
<context>
    <name>dash::studio::TrainingJobDialog</name>
    <message>
        <location filename="../app/studio/job_dialogs.cpp" line="-424"/>
        <source>Train a DASH Policy</source>
        <translation>DASH-Policy trainieren</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>GGUF models (*.gguf)</source>
        <translation>GGUF-Modelle (*.gguf)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Calibrations (*.json)</source>
        <translation>Kalibrierungen (*.json)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Text (*.txt);;All files (*)</source>
        <translation>Text (*.txt);;Alle Dateien (*)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>DASH policies (*.policy)</source>
        <translation>DASH-Policies (*.policy)</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>Skip, INT4, INT8 and full precision</source>
        <translation>Überspringen, INT4, INT8 und volle Genauigkeit</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Skip and full precision only</source>
        <translation>Nur Überspringen und volle Genauigkeit</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Integer states save less time on a CPU than their nominal cost; a skip/full policy&apos;s measured speedup follows its nominal ratio</source>
        <translation>Ganzzahlige Zustände sparen auf einer CPU weniger Zeit, als ihre nominellen Kosten sagen; die gemessene Beschleunigung einer Policy mit nur Überspringen und voller Genauigkeit folgt ihrem nominellen Verhältnis</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Static similarity skipping</source>
        <translation>Statisches Ähnlichkeits-Überspringen</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The oracle&apos;s per-token decisions</source>
        <translation>Die Entscheidungen des Orakels je Token</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The best static set</source>
        <translation>Die beste statische Menge</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>A per-token similarity forecast</source>
        <translation>Eine Ähnlichkeitsprognose je Token</translation>
    </message>
    <message>
        <location line="-10"/>
        <source>The first steps imitate the chosen decisions at the target ratio, then the trainer continues (0: no imitation)</source>
        <translation>Die ersten Schritte imitieren die gewählten Entscheidungen beim Zielverhältnis, danach setzt der Trainer fort (0: keine Imitation)</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>For a skip/full policy that decides per token, imitate the oracle (1600 steps on the demo model, then the relaxed trainer); labelling its 256 training windows takes minutes</source>
        <translation>Für eine Skip/Voll-Policy, die je Token entscheidet, das Orakel imitieren (1600 Schritte beim Demomodell, danach der relaxierte Trainer); das Beschriften seiner 256 Trainingsfenster dauert Minuten</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>REINFORCE (the paper&apos;s)</source>
        <translation>REINFORCE (wie im Paper)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Relaxed (Gumbel-softmax, KL to full precision)</source>
        <translation>Relaxiert (Gumbel-Softmax, KL zur vollen Präzision)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>The relaxed trainer after imitating the oracle gave the best skip/full policies on the demo model (4800 steps, 1600 of them imitation, learning rate 0.006); it keeps no checkpoint</source>
        <translation>Der relaxierte Trainer nach der Imitation des Orakels ergab beim Demomodell die besten Skip/Voll-Policies (4800 Schritte, davon 1600 Imitation, Lernrate 0,006); er legt keinen Checkpoint an</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>State codes (0, 1, 2, 4)</source>
        <translation>Zustandscodes (0, 1, 2, 4)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Measured on this machine</source>
        <translation>Auf diesem Rechner gemessen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>What each state costs in the reward and the cost bias; the target is always the nominal ratio</source>
        <translation>Was jeder Zustand in der Belohnung und im Kosten-Bias kostet; Ziel ist immer das nominelle Verhältnis</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Asynchronous decisions</source>
        <translation>Asynchrone Entscheidungen</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Keep a checkpoint (a cancelled training resumes)</source>
        <translation>Checkpoint behalten (ein abgebrochenes Training wird fortgesetzt)</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>The relaxed trainer keeps no checkpoint</source>
        <translation>Der relaxierte Trainer legt keinen Checkpoint an</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Model</source>
        <translation>Modell</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Calibration</source>
        <translation>Kalibrierung</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Training text</source>
        <translation>Trainingstext</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Target ratio</source>
        <translation>Zielverhältnis</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Steps</source>
        <translation>Schritte</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Window (tokens)</source>
        <translation>Fenster (Tokens)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Seed</source>
        <translation>Seed</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>States</source>
        <translation>Zustände</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Imitation steps</source>
        <translation>Imitationsschritte</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Imitate</source>
        <translation>Imitieren</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Trainer</source>
        <translation>Trainer</translation>
    </message>
    <message>
        <location line="+73"/>
        <source>the relaxed trainer cannot imitate the similarity forecast: choose another imitation target or REINFORCE</source>
        <translation>der relaxierte Trainer kann die Ähnlichkeitsprognose nicht imitieren: ein anderes Imitationsziel oder REINFORCE wählen</translation>
    </message>
    <message>
        <location line="-75"/>
        <source>Learning rate</source>
        <translation>Lernrate</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>State costs</source>
        <translation>Zustandskosten</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Save as</source>
        <translation>Speichern unter</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Use This Policy</source>
        <translation>Diese Policy verwenden</translation>
    </message>
</context>
<context>
    <name>dash::studio::WelcomePage</name>
    <message>
        <location filename="../app/studio/welcome_page.cpp" line="+15"/>
        <source>&lt;h1&gt;DASH Studio&lt;/h1&gt;</source>
        <translation>&lt;h1&gt;DASH Studio&lt;/h1&gt;</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Open a GGUF model to explore, token by token and layer by layer, how it computes a prompt as you type.</source>
        <translation>Öffnen Sie ein GGUF-Modell, um Token für Token und Schicht für Schicht zu erkunden, wie es einen Prompt berechnet, während Sie tippen.</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Open model…</source>
        <translation>Modell öffnen…</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>&lt;b&gt;Recent models&lt;/b&gt;</source>
        <translation>&lt;b&gt;Zuletzt verwendete Modelle&lt;/b&gt;</translation>
    </message>
    <message>
        <location line="+39"/>
        <source>%1 (missing)</source>
        <translation>%1 (fehlt)</translation>
    </message>
</context>
<context>
    <name>main</name>
    <message>
        <location filename="../app/studio/figure_export_cli.cpp" line="+55"/>
        <source>Write a figure without opening a window: heatmap, curves or timeline.</source>
        <translation>Eine Abbildung schreiben, ohne ein Fenster zu öffnen: heatmap, curves oder timeline.</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Trace to draw (what dash-cli trace --json writes).</source>
        <translation>Zu zeichnender Trace (was dash-cli trace --json schreibt).</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Figure file; .svg, .pdf or .png chooses the format.</source>
        <translation>Abbildungsdatei; .svg, .pdf oder .png bestimmt das Format.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>PNG resolution (default 300).</source>
        <translation>PNG-Auflösung (Vorgabe 300).</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Figure size, e.g. 160x70mm or 6x2.5in (default: by kind).</source>
        <translation>Abbildungsgröße, z. B. 160x70mm oder 6x2.5in (Vorgabe: je nach Art).</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>serif (default) or sans.</source>
        <translation>serif (Vorgabe) oder sans.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Text size in points (default 8).</source>
        <translation>Textgröße in Punkt (Vorgabe 8).</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Model whose tokenizer labels the tokens.</source>
        <translation>Modell, dessen Tokenizer die Tokens beschriftet.</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Token of the similarity curves (default: the last prompt token).</source>
        <translation>Token der Ähnlichkeitskurven (Vorgabe: das letzte Prompt-Token).</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Heatmap colour: state (default) or cos.</source>
        <translation>Heatmap-Farbe: state (Vorgabe) oder cos.</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Also write the figure&apos;s data as CSV to this file.</source>
        <translation>Die Daten der Abbildung zusätzlich als CSV in diese Datei schreiben.</translation>
    </message>
    <message>
        <location filename="../app/studio/main.cpp" line="+22"/>
        <source>Explore per-token, per-layer computation of a language model as you type.</source>
        <translation>Erkunden Sie die Berechnung eines Sprachmodells je Token und Schicht, während Sie tippen.</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>GGUF model file to open.</source>
        <translation>Zu öffnende GGUF-Modelldatei.</translation>
    </message>
</context>
</TS>
