<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
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
        <translation>跳过</translation>
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
        <translation>完整</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>invalid (%1)</source>
        <translation>无效 (%1)</translation>
    </message>
</context>
<context>
    <name>Jobs</name>
    <message>
        <location filename="../app/studio/jobs.cpp" line="+33"/>
        <source>Loading the model</source>
        <translation>正在加载模型</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Loading %1</source>
        <translation>正在加载 %1</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>Calibration</source>
        <translation>校准</translation>
    </message>
    <message>
        <location line="+10"/>
        <location line="+92"/>
        <source>Reading the text</source>
        <translation>正在读取文本</translation>
    </message>
    <message>
        <location line="-87"/>
        <source>%1: %2 tokens, windows of %3</source>
        <translation>%1：%2 个词元，窗口长度 %3</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Calibrating</source>
        <translation>正在校准</translation>
    </message>
    <message>
        <location line="+14"/>
        <location line="+172"/>
        <location line="+59"/>
        <source>Wrote %1</source>
        <translation>已写入 %1</translation>
    </message>
    <message>
        <location line="-226"/>
        <source>Calibrated on %1 sequences (%2 tokens); saved %3</source>
        <translation>已在 %1 个序列（%2 个词元）上完成校准；已保存 %3</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>layer</source>
        <translation>层</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>alpha (norm ratio)</source>
        <translation>alpha（范数比）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>alpha (least squares)</source>
        <translation>alpha（最小二乘）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>mean cos(in,out)</source>
        <translation>平均 cos(输入,输出)</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>relaxed (Gumbel-softmax)</source>
        <translation>松弛（Gumbel-softmax）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>REINFORCE</source>
        <translation>REINFORCE</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>static similarity skipping</source>
        <translation>静态相似度跳层</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>the oracle&apos;s per-token decisions</source>
        <translation>预言机的逐词元决策</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>the best static set</source>
        <translation>最佳静态层集</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>the similarity forecast</source>
        <translation>相似度预测</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Labelling training windows with the oracle</source>
        <translation>正在用预言机标注训练窗口</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Searching the best static set</source>
        <translation>正在搜索最佳静态层集</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Fitting the similarity forecast</source>
        <translation>正在拟合相似度预测</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Policy training</source>
        <translation>策略训练</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>%1: %2 tokens</source>
        <translation>%1：%2 个词元</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>Measuring the cost of each state</source>
        <translation>正在测量各状态的成本</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>State costs (full precision = 4): skip %1, INT4 %2, INT8 %3</source>
        <translation>状态成本（全精度 = 4）：跳过 %1，INT4 %2，INT8 %3</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Resuming from the checkpoint %1</source>
        <translation>从检查点 %1 继续</translation>
    </message>
    <message>
        <location line="+2"/>
        <location line="+16"/>
        <source>Training</source>
        <translation>正在训练</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Tuning the cost bias on held-out text</source>
        <translation>正在留出文本上调节代价偏置</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Tuning the cost bias to %1× on held-out text</source>
        <translation>正在留出文本上将代价偏置调至 %1×</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>step %1/%2  imitating  log p %3  ratio %4×</source>
        <translation>第 %1/%2 步  模仿  log p %3  比率 %4×</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>step %1/%2  Gumbel τ %3  λ %4  ratio %5×  KL %6</source>
        <translation>第 %1/%2 步  Gumbel τ %3  λ %4  比率 %5×  KL %6</translation>
    </message>
    <message>
        <location line="-8"/>
        <source>step %1/%2  τ %3  β %4  reward %5  ratio %6×  ΔNLL %7</source>
        <translation>第 %1/%2 步  τ %3  β %4  奖励 %5  比率 %6×  ΔNLL %7</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Cancelled; the checkpoint %1 resumes the training</source>
        <translation>已取消；可从检查点 %1 继续训练</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Trained for %1×: held-out nominal ratio %2×, cost bias %3; saved %4</source>
        <translation>已按 %1× 训练：留出文本上的名义加速比 %2×，代价偏置 %3；已保存 %4</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>setting</source>
        <translation>设置项</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>value</source>
        <translation>值</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>target ratio</source>
        <translation>目标比率</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>held-out ratio</source>
        <translation>留出文本上的比率</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>cost bias</source>
        <translation>代价偏置</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>trainer</source>
        <translation>训练器</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>learning rate</source>
        <translation>学习率</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>steps</source>
        <translation>步数</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>imitation steps</source>
        <translation>模仿步数</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>imitated</source>
        <translation>模仿对象</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>λ (cost weight)</source>
        <translation>λ（代价权重）</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>final reward</source>
        <translation>最终奖励</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>β</source>
        <translation>β</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Sweep</source>
        <translation>扫描</translation>
    </message>
    <message>
        <location line="+32"/>
        <source>input-aware</source>
        <translation>输入相关度</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>ppl reassigned</source>
        <translation>ppl（重新分配）</translation>
    </message>
    <message>
        <location line="+53"/>
        <source>No DASH policy file chosen: DASH rows skipped</source>
        <translation>未选择 DASH 策略文件：已跳过 DASH 行</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>No calibration chosen: static similarity rows skipped</source>
        <translation>未选择校准：已跳过静态相似度行</translation>
    </message>
    <message>
        <location line="-83"/>
        <source>Sweeping</source>
        <translation>正在扫描</translation>
    </message>
    <message>
        <location line="+49"/>
        <source>%1 at %2×: evaluating on %3</source>
        <translation>%1（%2×）：正在 %3 上评估</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>  nominal %1×, measured %2×, perplexity %3 (second half %4)</source>
        <translation>  名义 %1×，实测 %2×，困惑度 %3（后半段 %4）</translation>
    </message>
    <message>
        <location line="-9"/>
        <source>%1 tuned: knob %2 gives %3× on held-out text (target %4×)</source>
        <translation>%1 已调参：调节参数 %2 在留出文本上达到 %3×（目标 %4×）</translation>
    </message>
    <message>
        <location line="-145"/>
        <source>Imitating %1 for %2 steps</source>
        <translation>模仿%1，共 %2 步</translation>
    </message>
    <message numerus="yes">
        <location line="+110"/>
        <source>%n sweep row(s)</source>
        <translation>
            <numerusform>%n 行扫描结果</numerusform>
        </translation>
    </message>
    <message>
        <location line="+1"/>
        <source>method</source>
        <translation>方法</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>target ×</source>
        <translation>目标 ×</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>nominal ×</source>
        <translation>名义 ×</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>speedup ×</source>
        <translation>加速 ×</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>A/A control ×</source>
        <translation>A/A 对照 ×</translation>
    </message>
    <message>
        <location line="+45"/>
        <source>  A/A control %1× (%2 to %3)</source>
        <translation>  A/A 对照 %1×（%2 至 %3）</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Warning: the A/A control is outside 1.00 ± %1: the measured speedup of this row is not trustworthy</source>
        <translation>警告：A/A 对照超出 1.00 ± %1：此行测得的加速比不可信</translation>
    </message>
    <message>
        <location line="-49"/>
        <source>ppl (all)</source>
        <translation>ppl（全部）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>ppl (2nd half)</source>
        <translation>ppl（后半段）</translation>
    </message>
    <message>
        <location line="+72"/>
        <source>sweep %1</source>
        <translation>扫描 %1</translation>
    </message>
    <message>
        <location line="+25"/>
        <source>sweep over %1 (up to %2 tokens)</source>
        <translation>在 %1 上扫描（最多 %2 个词元）</translation>
    </message>
    <message numerus="yes">
        <location line="+13"/>
        <source>Saved %n row(s) to the run store %1</source>
        <translation>
            <numerusform>已将 %n 行保存到运行存储 %1</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../app/studio/eval_dialog.cpp" line="+99"/>
        <source>Cancelled: the %n finished cell(s) stay in the folder; starting again resumes from them</source>
        <translation>
            <numerusform>已取消：%n 个已完成的单元保留在文件夹中；再次开始将从这里继续</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>PolicyCatalog</name>
    <message>
        <location filename="../app/studio/policy_catalog.cpp" line="+11"/>
        <source>Full precision</source>
        <translation>全精度</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>DASH policy file</source>
        <translation>DASH 策略文件</translation>
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
        <translation>静态相似度</translation>
    </message>
</context>
<context>
    <name>PolicyRuntime</name>
    <message>
        <location filename="../app/studio/policy_runtime.cpp" line="+31"/>
        <source>exit threshold %1</source>
        <translation>退出阈值 %1</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>computed-layer fraction %1</source>
        <translation>计算层比例 %1</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>%1 layers skipped</source>
        <translation>跳过 %1 层</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>skip probability %1</source>
        <translation>跳过概率 %1</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>cost bias %1</source>
        <translation>代价偏置 %1</translation>
    </message>
    <message>
        <location line="+24"/>
        <source>static similarity skipping ranks layers by a calibration file; choose one or compute it (Tools ▸ Calibrate…)</source>
        <translation>静态相似度跳层按校准文件对各层排序；请选择一个校准文件或计算一个（工具 ▸ 校准…）</translation>
    </message>
    <message>
        <location line="-2"/>
        <source>choose a policy file</source>
        <translation>请选择策略文件</translation>
    </message>
    <message>
        <location line="+23"/>
        <source>Loading %1…</source>
        <translation>正在加载 %1…</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>%1: DASH, trained for %2×, %3</source>
        <translation>%1：DASH，按 %2× 训练，%3</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>%1: DASH, %2</source>
        <translation>%1：DASH，%2</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>%1: %2 from a policy file</source>
        <translation>%1：来自策略文件的 %2</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>every layer at full precision</source>
        <translation>所有层均为全精度</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>%1 is tuned on held-out text; choose the text in Preferences</source>
        <translation>%1 需在留出文本上调参；请在首选项中选择该文本</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Tuning %1 to %2× on %3…</source>
        <translation>正在用 %3 将 %1 调至 %2×…</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Tuning %1 to %2×…</source>
        <translation>正在将 %1 调至 %2×…</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>%1 tuned to %2×: %3 gives %4× on %5 held-out tokens</source>
        <translation>%1 已调至 %2×：%3 在 %5 个留出词元上达到 %4×</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>%1 tuned to %2×: %3 gives %4×</source>
        <translation>%1 已调至 %2×：%3 达到 %4×</translation>
    </message>
</context>
<context>
    <name>dash::studio::CalibrationJobDialog</name>
    <message>
        <location filename="../app/studio/job_dialogs.cpp" line="+316"/>
        <source>Calibrate</source>
        <translation>校准</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>GGUF models (*.gguf)</source>
        <translation>GGUF 模型 (*.gguf)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Text (*.txt);;All files (*)</source>
        <translation>文本 (*.txt);;所有文件 (*)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Calibrations (*.json)</source>
        <translation>校准文件 (*.json)</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>model context</source>
        <translation>模型上下文</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Calibration text</source>
        <translation>校准文本</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Sequences</source>
        <translation>序列数</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Sequence length</source>
        <translation>序列长度</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Alpha method</source>
        <translation>Alpha 方法</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Save as</source>
        <translation>保存为</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Use for Static Similarity</source>
        <translation>用于静态相似度</translation>
    </message>
</context>
<context>
    <name>dash::studio::CellProbePanel</name>
    <message>
        <location filename="../app/studio/cell_probe_panel.cpp" line="+32"/>
        <source>Skip</source>
        <translation>跳过</translation>
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
        <translation>全精度</translation>
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
        <translation>每个后续词元：强制该单元格后该词元对数似然的变化，以及从本次运行的下一词元分布到强制后分布的 KL 散度（nats）</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Force the current heatmap cell to:</source>
        <translation>将当前热图单元格强制为：</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Clear</source>
        <translation>清除</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>#%1</source>
        <translation>#%1</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Logit lens: the most probable next tokens read from each layer&apos;s output through the final norm and the output head</source>
        <translation>Logit 透镜：经最终归一化和输出头从每层输出读出的最可能的下一个词元</translation>
    </message>
    <message>
        <location line="+22"/>
        <location line="+136"/>
        <source>Logit lens: select a token in the heatmap.</source>
        <translation>Logit 透镜：请在热图中选择一个词元。</translation>
    </message>
    <message>
        <location line="-75"/>
        <source>Force token %1 / layer %2 to</source>
        <translation>将词元 %1 / 层 %2 强制为</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Clear Counterfactual</source>
        <translation>清除反事实</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Select a heatmap cell first.</source>
        <translation>请先选择一个热图单元格。</translation>
    </message>
    <message>
        <location line="+28"/>
        <source>Forcing token %1 “%2” / layer %3 to %4…</source>
        <translation>正在将词元 %1“%2”/ 层 %3 强制为 %4…</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Counterfactual: right-click a heatmap cell (or press the Menu key) to force it to another state and see what changes for each later token.</source>
        <translation>反事实：右键单击热图单元格（或按菜单键）将其强制为另一状态，并查看每个后续词元的变化。</translation>
    </message>
    <message>
        <location line="+31"/>
        <source>Logit lens of token %1 “%2”: computing…</source>
        <translation>词元 %1“%2”的 Logit 透镜：计算中…</translation>
    </message>
    <message>
        <location line="+22"/>
        <source>The counterfactual was stopped by a newer run.</source>
        <translation>反事实已被较新的运行中止。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Counterfactual failed: %1</source>
        <translation>反事实失败：%1</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>Logit lens failed: %1</source>
        <translation>Logit 透镜失败：%1</translation>
    </message>
    <message>
        <location line="+38"/>
        <source>log p(token %1) %2 → %3</source>
        <translation>log p(词元 %1) %2 → %3</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Forcing token %1 “%2” / layer %3 from %4 to %5</source>
        <translation>将词元 %1“%2”/ 层 %3 从 %4 强制为 %5</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>: the last token predicts nothing within the run, so nothing changes.</source>
        <translation>：最后一个词元在本次运行中不预测任何内容，因此没有变化。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>: next-token Δ log p %1, KL %2; later tokens changed: %3 of %4</source>
        <translation>：下一词元 Δ log p %1，KL %2；发生变化的后续词元：%3 / %4</translation>
    </message>
    <message>
        <location line="+6"/>
        <source> (largest |Δ log p| %1 at token %2 “%3”)</source>
        <translation>（最大 |Δ log p| %1，位于词元 %2“%3”）</translation>
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
        <translation>词元 ID %1“%2”：logit %3，概率 %4</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Logit lens of token %1 “%2” (top %3 per layer output):</source>
        <translation>词元 %1“%2”的 Logit 透镜（每层输出前 %3 名）：</translation>
    </message>
</context>
<context>
    <name>dash::studio::ComparisonView</name>
    <message>
        <location filename="../app/studio/comparison_view.cpp" line="+74"/>
        <source>A: cos(in,out), prompt mean</source>
        <translation>A：cos(输入,输出)，提示词平均</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>B: cos(in,out), prompt mean</source>
        <translation>B：cos(输入,输出)，提示词平均</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>layer</source>
        <translation>层</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>cosine similarity</source>
        <translation>余弦相似度</translation>
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
        <translation>Δ速度：%1 → %2 毫秒/词元（%3 毫秒/词元）</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>, B at %1× the speed of A (one run each: no spread, expect run-to-run variation)</source>
        <translation>，B 的速度为 A 的 %1 倍（各仅一次运行：无离散度，运行间会有波动）</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>; measured speedup %1</source>
        <translation>；实测加速 %1</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Nominal ratio: %1× → %2× (%3)</source>
        <translation>名义加速比：%1× → %2×（%3）</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Δquality: mean log-likelihood %1 nats/token</source>
        <translation>Δ质量：平均对数似然 %1 奈特/词元</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>perplexity %1 → %2 (%3)</source>
        <translation>困惑度 %1 → %2（%3）</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Δquality: not available (a run has no stored likelihood)</source>
        <translation>Δ质量：不可用（有一次运行未保存似然）</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>second-half perplexity %1</source>
        <translation>后半段困惑度 %1</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>%1 of %2 cells differ in state; %3 of %4 positions hold the same token</source>
        <translation>%2 个单元中有 %1 个状态不同；%4 个位置中有 %3 个为相同词元</translation>
    </message>
    <message>
        <location line="+4"/>
        <source> (A: %1 tokens × %2 layers, B: %3 × %4; aligned on the common part)</source>
        <translation>（A：%1 个词元 × %2 层，B：%3 × %4；按共同部分对齐）</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>A: token %1</source>
        <translation>A：词元 %1</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>A: selected token</source>
        <translation>A：所选词元</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>B: token %1</source>
        <translation>B：词元 %1</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>B: selected token</source>
        <translation>B：所选词元</translation>
    </message>
</context>
<context>
    <name>dash::studio::DiffHeatmapLegend</name>
    <message>
        <location filename="../app/studio/diff_heatmap_view.cpp" line="+105"/>
        <location line="+11"/>
        <source>B computes less</source>
        <translation>B 计算更少</translation>
    </message>
    <message>
        <location line="-10"/>
        <location line="+12"/>
        <source>B computes more</source>
        <translation>B 计算更多</translation>
    </message>
</context>
<context>
    <name>dash::studio::DiffHeatmapModel</name>
    <message>
        <location filename="../app/studio/diff_heatmap_model.cpp" line="+114"/>
        <source>%1 (A) / %2 (B)</source>
        <translation>%1（A）/ %2（B）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&lt;b&gt;%1&lt;/b&gt; — token %2, layer %3&lt;br&gt;A: &lt;b&gt;%4&lt;/b&gt; → B: &lt;b&gt;%5&lt;/b&gt; (Δ cost %6)&lt;br&gt;Δ cos(in,out) %7&lt;br&gt;Δ time %8 µs</source>
        <translation>&lt;b&gt;%1&lt;/b&gt; — 词元 %2，层 %3&lt;br&gt;A：&lt;b&gt;%4&lt;/b&gt; → B：&lt;b&gt;%5&lt;/b&gt;（Δ 代价 %6）&lt;br&gt;Δ cos(输入,输出) %7&lt;br&gt;Δ 时间 %8 µs</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>Layer %1</source>
        <translation>层 %1</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Token %1: “%2”</source>
        <translation>词元 %1：“%2”</translation>
    </message>
</context>
<context>
    <name>dash::studio::DiffHeatmapPanel</name>
    <message>
        <location filename="../app/studio/diff_heatmap_view.cpp" line="+43"/>
        <source>Δ state (cost)</source>
        <translation>Δ 状态（代价）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Δ cos(in,out)</source>
        <translation>Δ cos(输入,输出)</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Difference B − A (hatched: different tokens)</source>
        <translation>差值 B − A（阴影：词元不同）</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Colour:</source>
        <translation>颜色：</translation>
    </message>
</context>
<context>
    <name>dash::studio::EvalJobDialog</name>
    <message>
        <location filename="../app/studio/eval_dialog.cpp" line="-58"/>
        <source>Evaluation</source>
        <translation>评估</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Loading the model</source>
        <translation>正在加载模型</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Loading %1</source>
        <translation>正在加载 %1</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Cell %1 of %2: %3, %4 at %5×</source>
        <translation>单元 %1/%2：%3，%4，%5×</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>[%1/%2] %3, %4 at %5×: %6 %7, nominal %8×%9</source>
        <translation>[%1/%2] %3，%4，%5×：%6 %7，名义 %8×%9</translation>
    </message>
    <message>
        <location line="+9"/>
        <source> (stored earlier, not recomputed)</source>
        <translation>（先前已保存，未重新计算）</translation>
    </message>
    <message numerus="yes">
        <location line="+25"/>
        <source>%n cell(s)</source>
        <translation>
            <numerusform>%n 个单元</numerusform>
        </translation>
    </message>
    <message>
        <location line="+22"/>
        <source>limits must be counts &gt;= 0, got &apos;%1&apos;</source>
        <translation>限制必须是 &gt;= 0 的数量，得到 &apos;%1&apos;</translation>
    </message>
    <message>
        <location line="+46"/>
        <source>method</source>
        <translation>方法</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>Evaluate</source>
        <translation>评估</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>GGUF models (*.gguf)</source>
        <translation>GGUF 模型 (*.gguf)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Comma-separated: wikitext2, cnndm, mmlu, arc, speed</source>
        <translation>以逗号分隔：wikitext2, cnndm, mmlu, arc, speed</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Comma-separated: full, early-exit, skipdecode, adaskip, random, static, dash:FILE</source>
        <translation>以逗号分隔：full, early-exit, skipdecode, adaskip, random, static, dash:文件</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>all items; or N; or task=N, …</source>
        <translation>全部条目；或 N；或 任务=N, …</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Text (*.txt *.raw);;All files (*)</source>
        <translation>文本 (*.txt *.raw);;所有文件 (*)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>CNN/DM JSONL or CSV files, separated by ;</source>
        <translation>CNN/DM 的 JSONL 或 CSV 文件，以 ; 分隔</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>folder with dev/ and test/</source>
        <translation>包含 dev/ 和 test/ 的文件夹</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>JSONL (*.jsonl);;All files (*)</source>
        <translation>JSONL (*.jsonl);;所有文件 (*)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Text (*.txt);;All files (*)</source>
        <translation>文本 (*.txt);;所有文件 (*)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Calibrations (*.json)</source>
        <translation>校准文件 (*.json)</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>of</source>
        <translation>/</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Choose the output folder</source>
        <translation>选择输出文件夹</translation>
    </message>
    <message>
        <location line="+28"/>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Tasks</source>
        <translation>任务</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Methods</source>
        <translation>方法</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Ratios</source>
        <translation>比率</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Items per task</source>
        <translation>每个任务的条目数</translation>
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
        <translation>保留文本（调参）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Calibration (static)</source>
        <translation>校准（静态）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Shard</source>
        <translation>分片</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+21"/>
        <source>Output folder</source>
        <translation>输出文件夹</translation>
    </message>
    <message>
        <location line="-17"/>
        <source>Show Results</source>
        <translation>显示结果</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Show the results of the output folder</source>
        <translation>显示输出文件夹中的结果</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Export Tables…</source>
        <translation>导出表格…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Export Pareto Figure…</source>
        <translation>导出 Pareto 图…</translation>
    </message>
    <message>
        <location line="+25"/>
        <source>Export the tables to</source>
        <translation>将表格导出到</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Export the Pareto figure</source>
        <translation>导出 Pareto 图</translation>
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
            <numerusform>该文件夹中有 %n 个已完成的单元：运行将从这里继续，只计算缺少的单元。</numerusform>
        </translation>
    </message>
    <message>
        <location line="+3"/>
        <source>A new evaluation: the folder holds no finished cells.</source>
        <translation>新的评估：该文件夹中没有已完成的单元。</translation>
    </message>
    <message>
        <location line="+46"/>
        <source>method &apos;%1&apos; needs a policy file (dash:FILE)</source>
        <translation>方法 &apos;%1&apos; 需要策略文件 (dash:文件)</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>ratios must be numbers from 1 to 64, got &apos;%1&apos;</source>
        <translation>比率必须是 1 到 64 之间的数，得到 &apos;%1&apos;</translation>
    </message>
    <message>
        <location line="+43"/>
        <source>the model is missing</source>
        <translation>缺少模型</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>the output folder is missing</source>
        <translation>缺少输出文件夹</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>choose at least one task</source>
        <translation>请至少选择一个任务</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>choose at least one method</source>
        <translation>请至少选择一种方法</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>choose at least one ratio</source>
        <translation>请至少选择一个比率</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>the shard must be K of N with K &lt;= N</source>
        <translation>分片必须为 K/N 且 K &lt;= N</translation>
    </message>
    <message>
        <location line="+25"/>
        <location line="+22"/>
        <source>no results are shown</source>
        <translation>未显示任何结果</translation>
    </message>
    <message>
        <location line="-10"/>
        <source>cannot copy %1 to %2</source>
        <translation>无法将 %1 复制到 %2</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>%1 holds no tables</source>
        <translation>%1 中没有表格</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>the figure&apos;s file name must end in .svg, .pdf or .png: %1</source>
        <translation>图的文件名必须以 .svg、.pdf 或 .png 结尾：%1</translation>
    </message>
</context>
<context>
    <name>dash::studio::ExportActions</name>
    <message>
        <location filename="../app/studio/export_actions.cpp" line="+24"/>
        <source>&amp;Export</source>
        <translation>导出(&amp;E)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Figure…</source>
        <translation>图表(&amp;F)…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Ctrl+E</source>
        <translation>Ctrl+E</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Export the heatmap, the curves or the timeline as SVG, PDF or PNG</source>
        <translation>将热图、曲线或时间线导出为 SVG、PDF 或 PNG</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Heatmap Data as CSV…</source>
        <translation>热图数据导出为 CSV(&amp;H)…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Curve Data as CSV…</source>
        <translation>曲线数据导出为 CSV(&amp;C)…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Timeline Data as CSV…</source>
        <translation>时间线数据导出为 CSV(&amp;T)…</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>&amp;Sweep as LaTeX Table…</source>
        <translation>扫描结果导出为 LaTeX 表格(&amp;S)…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Turn the output of dash-cli sweep --json into a table like the paper&apos;s Table 1</source>
        <translation>将 dash-cli sweep --json 的输出转换为论文表 1 样式的表格</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>Export</source>
        <translation>导出</translation>
    </message>
    <message>
        <location line="+38"/>
        <location line="+36"/>
        <source>Cannot write %1: %2</source>
        <translation>无法写入 %1：%2</translation>
    </message>
    <message>
        <location line="-26"/>
        <source>Export Data</source>
        <translation>导出数据</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>CSV files (*.csv)</source>
        <translation>CSV 文件 (*.csv)</translation>
    </message>
    <message>
        <location line="+30"/>
        <source>Open Sweep</source>
        <translation>打开扫描结果</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Sweep results (*.json)</source>
        <translation>扫描结果 (*.json)</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Save LaTeX Table</source>
        <translation>保存 LaTeX 表格</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>LaTeX files (*.tex)</source>
        <translation>LaTeX 文件 (*.tex)</translation>
    </message>
</context>
<context>
    <name>dash::studio::ExportFigureDialog</name>
    <message>
        <location filename="../app/studio/export_figure_dialog.cpp" line="+40"/>
        <location line="+4"/>
        <location line="+257"/>
        <source>Export Figure</source>
        <translation>导出图表</translation>
    </message>
    <message>
        <location line="-260"/>
        <source>%1 exists. Replace it?</source>
        <translation>%1 已存在。要替换吗？</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Heatmap</source>
        <translation>热图</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Similarity curves</source>
        <translation>相似度曲线</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Stream timeline</source>
        <translation>流时间线</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>PDF (vector)</source>
        <translation>PDF（矢量）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>SVG (vector)</source>
        <translation>SVG（矢量）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>PNG (raster)</source>
        <translation>PNG（位图）</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>mm</source>
        <translation>毫米</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>in</source>
        <translation>英寸</translation>
    </message>
    <message>
        <location line="+10"/>
        <source> dpi</source>
        <translation> dpi</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Serif</source>
        <translation>衬线体</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Sans serif</source>
        <translation>无衬线体</translation>
    </message>
    <message>
        <location line="+5"/>
        <source> pt</source>
        <translation> 磅</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Layer state</source>
        <translation>层状态</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>cos(in,out)</source>
        <translation>cos(输入,输出)</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Also write the figure&apos;s data as CSV</source>
        <translation>同时将图表数据写为 CSV</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Export</source>
        <translation>导出</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Figure</source>
        <translation>图表</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Format</source>
        <translation>格式</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Size</source>
        <translation>尺寸</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Resolution</source>
        <translation>分辨率</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Font</source>
        <translation>字体</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Heatmap colour</source>
        <translation>热图颜色</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <location line="+156"/>
        <source>%1 × %2 pixels</source>
        <translation>%1 × %2 像素</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>vector; resolution not needed</source>
        <translation>矢量格式；无需分辨率</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>No run to export</source>
        <translation>没有可导出的运行</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>%1 files (*.%2)</source>
        <translation>%1 文件 (*.%2)</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>There is no run to export.</source>
        <translation>没有可导出的运行。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Choose the file to write.</source>
        <translation>请选择要写入的文件。</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>%1: unknown figure format “.%2”; use .pdf, .svg or .png.</source>
        <translation>%1：未知的图表格式“.%2”；请使用 .pdf、.svg 或 .png。</translation>
    </message>
    <message>
        <location line="+22"/>
        <source>The figure was written, but its data was not: %1</source>
        <translation>图表已写入，但其数据未写入：%1</translation>
    </message>
</context>
<context>
    <name>dash::studio::FigurePainter</name>
    <message>
        <location filename="../app/studio/figure_renderer.cpp" line="+205"/>
        <source>No tokens</source>
        <translation>没有词元</translation>
    </message>
    <message>
        <location line="+35"/>
        <source>cos(in,out)</source>
        <translation>cos(输入,输出)</translation>
    </message>
    <message>
        <location line="+36"/>
        <location line="+119"/>
        <location line="+102"/>
        <source>The figure is too small</source>
        <translation>图表尺寸过小</translation>
    </message>
    <message>
        <location line="-175"/>
        <location line="+107"/>
        <source>layer</source>
        <translation>层</translation>
    </message>
    <message>
        <location line="-86"/>
        <source>token</source>
        <translation>词元</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>No layers</source>
        <translation>没有层</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>cos(in,out), token %1 “%2”</source>
        <translation>cos(输入,输出)，词元 %1“%2”</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>cos(in,out), prompt mean</source>
        <translation>cos(输入,输出)，提示词平均</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>adjacent-layer similarity</source>
        <translation>相邻层相似度</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>skipped layer</source>
        <translation>跳过的层</translation>
    </message>
    <message>
        <location line="+59"/>
        <source>cosine similarity</source>
        <translation>余弦相似度</translation>
    </message>
    <message>
        <location line="+32"/>
        <source>No spans recorded</source>
        <translation>未记录任何时间段</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>overlap %1 % of policy time hidden</source>
        <translation>重叠：%1 % 的策略时间被隐藏</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>no policy stream</source>
        <translation>无策略流</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>%1 · %2 ms/token</source>
        <translation>%1 · %2 毫秒/词元</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>compute</source>
        <translation>计算</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>policy</source>
        <translation>策略</translation>
    </message>
    <message>
        <location line="+57"/>
        <source>time (ms)</source>
        <translation>时间（毫秒）</translation>
    </message>
    <message>
        <location line="+67"/>
        <source>Cannot write %1</source>
        <translation>无法写入 %1</translation>
    </message>
</context>
<context>
    <name>dash::studio::GeneratedTextView</name>
    <message>
        <location filename="../app/studio/generated_text_view.cpp" line="+10"/>
        <source>Generated text appears here</source>
        <translation>生成的文本显示在此处</translation>
    </message>
    <message>
        <location line="+31"/>
        <source>%1 % of full compute</source>
        <translation>完整计算量的 %1 %</translation>
    </message>
</context>
<context>
    <name>dash::studio::HeatmapLegend</name>
    <message>
        <location filename="../app/studio/heatmap_legend.cpp" line="+41"/>
        <location line="+35"/>
        <source>cos(in,out)</source>
        <translation>cos(输入,输出)</translation>
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
        <translation>无（没有策略为此单元打分）</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>generated token</source>
        <translation>生成的词元</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>prompt token</source>
        <translation>提示词词元</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>&lt;br&gt;Against full precision: Δ log p %1 nats · KL %2 nats</source>
        <translation>&lt;br&gt;相对全精度：Δ log p %1 nats · KL %2 nats</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>&lt;b&gt;%1&lt;/b&gt; — %2 %3 (id %4)&lt;br&gt;Layer %5: &lt;b&gt;%6&lt;/b&gt;&lt;br&gt;cos(in,out) %7 · adjacent %8&lt;br&gt;Policy scores: %9&lt;br&gt;Time %10 µs</source>
        <translation>&lt;b&gt;%1&lt;/b&gt; — %2 %3（ID %4）&lt;br&gt;层 %5：&lt;b&gt;%6&lt;/b&gt;&lt;br&gt;cos(输入,输出) %7 · 相邻 %8&lt;br&gt;策略得分：%9&lt;br&gt;时间 %10 µs</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>Layer %1</source>
        <translation>层 %1</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Token %1: “%2” (id %3)</source>
        <translation>词元 %1：“%2”（ID %3）</translation>
    </message>
</context>
<context>
    <name>dash::studio::HeatmapPanel</name>
    <message>
        <location filename="../app/studio/heatmap_panel.cpp" line="+26"/>
        <source>Layer state</source>
        <translation>层状态</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>cos(in,out)</source>
        <translation>cos(输入,输出)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>What the cell colour shows</source>
        <translation>单元颜色所表示的内容</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>Heatmap (tokens × layers)</source>
        <translation>热图（词元 × 层）</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Colour:</source>
        <translation>颜色：</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>−</source>
        <translation>−</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Zoom out (Ctrl+wheel)</source>
        <translation>缩小（Ctrl+滚轮）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>1:1</source>
        <translation>1:1</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Reset zoom</source>
        <translation>重置缩放</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>+</source>
        <translation>+</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Zoom in (Ctrl+wheel)</source>
        <translation>放大（Ctrl+滚轮）</translation>
    </message>
    <message>
        <location line="+34"/>
        <source>input-aware %1</source>
        <translation>输入相关度 %1</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Input awareness of this run&apos;s states over its %1 tokens: %2 of the tokens differ from their layer&apos;s majority state (mean over layers 1..%3; 0 for a policy that decides per layer only). Mutual information beyond chance between the states and the token id: %4 bits; the position: %5 bits.</source>
        <translation>本次运行在其 %1 个词元上所选状态的输入相关度：%2 的词元与其所在层的多数状态不同（层 1..%3 的平均值；仅按层决策的策略为 0）。状态与词元 ID 之间超出随机水平的互信息：%4 比特；与位置之间：%5 比特。</translation>
    </message>
</context>
<context>
    <name>dash::studio::InferenceWorker</name>
    <message>
        <location filename="../app/studio/inference_worker.cpp" line="+202"/>
        <location line="+48"/>
        <source>No model is loaded.</source>
        <translation>尚未加载模型。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>There is no run to probe.</source>
        <translation>没有可探查的运行。</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>This run&apos;s model or policy is no longer the active one; run it again to probe it.</source>
        <translation>此运行的模型或策略已不再处于活动状态；请重新运行后再探查。</translation>
    </message>
    <message>
        <location line="+58"/>
        <source>%1 unavailable, running on the CPU: %2</source>
        <translation>%1 不可用，改在 CPU 上运行：%2</translation>
    </message>
</context>
<context>
    <name>dash::studio::JobDialog</name>
    <message>
        <location filename="../app/studio/job_dialogs.cpp" line="-273"/>
        <source>%1 is missing</source>
        <translation>缺少 %1</translation>
    </message>
    <message>
        <location line="+65"/>
        <source>Start</source>
        <translation>开始</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Cancel Job</source>
        <translation>取消任务</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <location line="+43"/>
        <source>Cannot start: %1</source>
        <translation>无法开始：%1</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Started %1</source>
        <translation>开始于 %1</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Cancelling…</source>
        <translation>正在取消…</translation>
    </message>
    <message>
        <location line="+23"/>
        <source>A job is running. Cancel it and close this window?</source>
        <translation>有任务正在运行。取消该任务并关闭此窗口吗？</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Cancel the Job</source>
        <translation>取消任务</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Keep Running</source>
        <translation>继续运行</translation>
    </message>
    <message>
        <location line="+24"/>
        <source>ETA %1</source>
        <translation>预计剩余 %1</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Done</source>
        <translation>完成</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Finished in %1 s: %2</source>
        <translation>用时 %1 秒完成：%2</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Saved %1</source>
        <translation>已保存 %1</translation>
    </message>
    <message>
        <location line="+29"/>
        <source>Cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Cancelled after %1 s</source>
        <translation>%1 秒后已取消</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Failed: %1</source>
        <translation>失败：%1</translation>
    </message>
</context>
<context>
    <name>dash::studio::LanguageMenu</name>
    <message>
        <location filename="../app/studio/ui_language.cpp" line="+86"/>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The new language applies when DASH Studio starts again.</source>
        <translation>新语言将在 DASH Studio 重新启动后生效。</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Restart Now</source>
        <translation>立即重启</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Later</source>
        <translation>稍后</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>&amp;Language</source>
        <translation>语言(&amp;L)</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>System Default</source>
        <translation>系统默认</translation>
    </message>
</context>
<context>
    <name>dash::studio::LiveAbWindow</name>
    <message>
        <location filename="../app/studio/live_ab_window.cpp" line="+53"/>
        <source>Live A/B — DASH Studio</source>
        <translation>实时 A/B — DASH Studio</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Type a prompt; both policies run on every edit</source>
        <translation>输入提示词；每次编辑都会运行两个策略</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>&amp;Prompt:</source>
        <translation>提示词(&amp;P)：</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Policy &amp;A:</source>
        <translation>策略 A(&amp;A)：</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Policy &amp;B:</source>
        <translation>策略 B(&amp;B)：</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>Difference B − A</source>
        <translation>差值 B − A</translation>
    </message>
    <message>
        <location line="+14"/>
        <source> rounds</source>
        <translation> 轮</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Measured rounds, after one warm-up round; each round runs A and B twice, in the order A B B A or B A A B</source>
        <translation>预热一轮之后的测量轮数；每轮 A 和 B 各运行两次，顺序为 A B B A 或 B A A B</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Measure</source>
        <translation>测量(&amp;M)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Time both policies on this prompt: full prefills without the KV cache, one side at a time, alternating</source>
        <translation>在此提示词上为两个策略计时：不使用 KV 缓存的完整预填充，每次只运行一侧，交替进行</translation>
    </message>
    <message>
        <location line="+121"/>
        <source>Wait until both sides have run, then measure.</source>
        <translation>请等两侧都运行完毕后再测量。</translation>
    </message>
    <message>
        <location line="+24"/>
        <source>Measuring: run %1 of %2…</source>
        <translation>正在测量：第 %1 次运行，共 %2 次…</translation>
    </message>
    <message>
        <location line="+28"/>
        <source>Prefill ms/token, median (quartiles) of %1 runs each: A %2 (%3–%4), B %5 (%6–%7). B&apos;s speed relative to A over %8 rounds: median %9× (%10–%11×)</source>
        <translation>预填充 ms/词元，各 %1 次运行的中位数（四分位数）：A %2（%3–%4），B %5（%6–%7）。%8 轮中 B 相对 A 的速度：中位数 %9×（%10–%11×）</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>The measurement stopped: %1</source>
        <translation>测量已停止：%1</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>%1 · nominal %2× · prefill %3 ms/token · mean Δ log p %4 nats · mean KL %5 nats</source>
        <translation>%1 · 名义 %2× · 预填充 %3 ms/词元 · 平均 Δ log p %4 nats · 平均 KL %5 nats</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>One run each; use a measurement with repeats before comparing speeds. Δ log p: log-likelihood of each prompt token under the policy minus under full precision; KL(full ‖ policy) of the distribution that predicts it.</source>
        <translation>各运行一次；比较速度前请使用带重复的测量。Δ log p：每个提示词元在策略下的对数似然减去全精度下的对数似然；KL(全精度 ‖ 策略) 为预测该词元的分布之间的散度。</translation>
    </message>
    <message numerus="yes">
        <location line="+19"/>
        <source>%n cell(s) in another state</source>
        <translation>
            <numerusform>%n 个单元格状态不同</numerusform>
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
        <translation>已将运行 #%1 保存到 %2</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>The run was not saved: %1</source>
        <translation>运行未保存：%1</translation>
    </message>
    <message>
        <location line="+32"/>
        <source>Type a prompt; every edit runs the model again</source>
        <translation>输入提示词；每次编辑都会重新运行模型</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Tokens shaded by the compute they used (Σ states / 4L); generated tokens in bold</source>
        <translation>词元按其计算量着色（Σ 状态 / 4L）；生成的词元以粗体显示</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>Similarity Curves</source>
        <translation>相似度曲线</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Stream Timeline</source>
        <translation>流时间线</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Counterfactual and Logit Lens</source>
        <translation>反事实与 Logit 透镜</translation>
    </message>
    <message>
        <location line="+63"/>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Open Model…</source>
        <translation>打开模型(&amp;O)…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Open &amp;Recent</source>
        <translation>最近打开(&amp;R)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Save Run</source>
        <translation>保存运行(&amp;S)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Save the latest run to the run store</source>
        <translation>将最近一次运行保存到运行存储</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Generate Now</source>
        <translation>立即生成(&amp;G)</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Ctrl+Return</source>
        <translation>Ctrl+Return</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Run the prompt now instead of waiting for typing to pause</source>
        <translation>立即运行提示，而不等待输入停顿</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Exported %1</source>
        <translation>已导出 %1</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>&amp;Edit</source>
        <translation>编辑(&amp;E)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Preferences…</source>
        <translation>首选项(&amp;P)…</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Zoom &amp;In Heatmap</source>
        <translation>放大热图(&amp;I)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Zoom &amp;Out Heatmap</source>
        <translation>缩小热图(&amp;O)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Reset Heatmap Zoom</source>
        <translation>重置热图缩放(&amp;R)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Similarity &amp;Curves</source>
        <translation>相似度曲线(&amp;C)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Stream &amp;Timeline</source>
        <translation>流时间线(&amp;T)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Counter&amp;factual and Logit Lens</source>
        <translation>反事实与 Logit 透镜(&amp;F)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Reset &amp;Layout</source>
        <translation>重置布局(&amp;L)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Live &amp;A/B…</source>
        <translation>实时 A/B(&amp;A)…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Ctrl+Shift+B</source>
        <translation>Ctrl+Shift+B</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Go to &amp;Prompt</source>
        <translation>转到提示(&amp;P)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Ctrl+L</source>
        <translation>Ctrl+L</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Go to &amp;Heatmap</source>
        <translation>转到热图(&amp;H)</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Ctrl+Shift+H</source>
        <translation>Ctrl+Shift+H</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>&amp;Settings</source>
        <translation>设置(&amp;S)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;About DASH Studio</source>
        <translation>关于 DASH Studio(&amp;A)</translation>
    </message>
    <message>
        <location line="+93"/>
        <source>Open Model</source>
        <translation>打开模型</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>GGUF models (*.gguf)</source>
        <translation>GGUF 模型 (*.gguf)</translation>
    </message>
    <message>
        <location line="+29"/>
        <source>About DASH Studio</source>
        <translation>关于 DASH Studio</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&lt;h3&gt;DASH Studio %1&lt;/h3&gt;&lt;p&gt;Explore dynamic layer skipping: per-token, per-layer execution states, layer similarities and timings of a language model, live as you type.&lt;/p&gt;</source>
        <translation>&lt;h3&gt;DASH Studio %1&lt;/h3&gt;&lt;p&gt;探索动态跳层：在您输入的同时，实时查看语言模型每个词元、每一层的执行状态、层间相似度与耗时。&lt;/p&gt;</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>This run is already saved</source>
        <translation>此运行已保存</translation>
    </message>
    <message>
        <location line="+29"/>
        <source>Loading %1…</source>
        <translation>正在加载 %1…</translation>
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
            <numerusform>%1 · %2 · %n 个线程</numerusform>
        </translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Could not open %1: %2</source>
        <translation>无法打开 %1：%2</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Model not changed</source>
        <translation>模型未更改</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>The prompt did not run: %1</source>
        <translation>提示词未能运行：%1</translation>
    </message>
    <message numerus="yes">
        <location line="+19"/>
        <source>%n token(s)</source>
        <translation>
            <numerusform>%n 个词元</numerusform>
        </translation>
    </message>
    <message>
        <location line="+4"/>
        <source>nominal ratio %1×</source>
        <translation>名义加速比 %1×</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>%1 · %2</source>
        <translation>%1 · %2</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Running…</source>
        <translation>运行中…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Ready · %1</source>
        <translation>就绪 · %1</translation>
    </message>
</context>
<context>
    <name>dash::studio::ModelDownloadPanel</name>
    <message>
        <location filename="../app/studio/model_download_panel.cpp" line="+21"/>
        <source>&lt;b&gt;No model at hand?&lt;/b&gt; Download a small one:</source>
        <translation>&lt;b&gt;手头没有模型？&lt;/b&gt;下载一个小模型：</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Download</source>
        <translation>下载</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location line="+26"/>
        <source>Resuming at %1</source>
        <translation>从 %1 处继续</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Downloaded and checked: %1</source>
        <translation>已下载并校验：%1</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Download failed: %1</source>
        <translation>下载失败：%1</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Cancelled; a new download resumes where this one stopped</source>
        <translation>已取消；再次下载时将从中断处继续</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>%1 (%2)</source>
        <translation>%1（%2）</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Already downloaded: %1</source>
        <translation>已下载：%1</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Downloading %1…</source>
        <translation>正在下载 %1…</translation>
    </message>
    <message>
        <location line="+24"/>
        <source>%1 of %2</source>
        <translation>%1 / %2</translation>
    </message>
</context>
<context>
    <name>dash::studio::ModelDownloader</name>
    <message>
        <location filename="../app/studio/model_download.cpp" line="+121"/>
        <location line="+85"/>
        <source>Cannot write %1: %2</source>
        <translation>无法写入 %1：%2</translation>
    </message>
    <message>
        <location line="-43"/>
        <source>The server resumed at the wrong offset (asked for byte %1, got &quot;%2&quot;)</source>
        <translation>服务器从错误的偏移处续传（请求字节 %1，得到 &quot;%2&quot;）</translation>
    </message>
    <message>
        <location line="+26"/>
        <source>The partial download did not fit the file on the server and was removed; start the download again</source>
        <translation>部分下载的内容与服务器上的文件不符，已删除；请重新开始下载</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>The server answered %1 %2</source>
        <translation>服务器返回 %1 %2</translation>
    </message>
    <message>
        <location line="+37"/>
        <source>The download stopped after %1 bytes: %2</source>
        <translation>下载在 %1 字节后中断：%2</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>The download stopped after %1 of %2 bytes</source>
        <translation>下载在 %1 / %2 字节处中断</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>The downloaded file&apos;s SHA-256 is %1, not the expected %2; it was deleted</source>
        <translation>下载文件的 SHA-256 为 %1，而非预期的 %2；该文件已删除</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Cannot move the download to %1</source>
        <translation>无法将下载的文件移动到 %1</translation>
    </message>
</context>
<context>
    <name>dash::studio::PathField</name>
    <message>
        <location filename="../app/studio/job_dialogs.cpp" line="-216"/>
        <source>Choose a file</source>
        <translation>选择文件</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Choose where to save</source>
        <translation>选择保存位置</translation>
    </message>
</context>
<context>
    <name>dash::studio::PolicyPicker</name>
    <message>
        <location filename="../app/studio/policy_picker.cpp" line="+36"/>
        <source>The policy that chooses how each layer runs for each token</source>
        <translation>为每个词元决定各层如何运行的策略</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>%1…</source>
        <translation>%1…</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Target nominal acceleration ratio (4·L / Σ states)</source>
        <translation>目标名义加速比（4·L / Σ 状态）</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Open Calibration File…</source>
        <translation>打开校准文件…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Compute Calibration…</source>
        <translation>计算校准…</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>K/V of skipped layers</source>
        <translation>跳过层的 K/V</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Project from the compensated input</source>
        <translation>由补偿后的输入投影</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Mask the position</source>
        <translation>屏蔽该位置</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Asynchronous DASH decisions</source>
        <translation>异步 DASH 决策</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Score layer i+1 on an idle worker thread while layer i runs (eq. 19–20); off: decide from the exact hidden state</source>
        <translation>在第 i 层运行时于空闲的工作线程上为第 i+1 层打分（式 19–20）；关闭时：依据精确的隐藏状态决策</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Options</source>
        <translation>选项</translation>
    </message>
    <message>
        <location line="+224"/>
        <source>Open Policy File…</source>
        <translation>打开策略文件…</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Recent</source>
        <translation>最近使用</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Clear Recent</source>
        <translation>清除最近使用</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Choose file…</source>
        <translation>选择文件…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Open a .policy file</source>
        <translation>打开 .policy 文件</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Calibration…</source>
        <translation>校准…</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Static similarity skipping ranks layers by a calibration file</source>
        <translation>静态相似度跳层按校准文件对各层排序</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Open Policy File</source>
        <translation>打开策略文件</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>DASH policies (*.policy *.json);;All files (*)</source>
        <translation>DASH 策略 (*.policy *.json);;所有文件 (*)</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Open Calibration File</source>
        <translation>打开校准文件</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Calibrations (*.json);;All files (*)</source>
        <translation>校准文件 (*.json);;所有文件 (*)</translation>
    </message>
</context>
<context>
    <name>dash::studio::RerunDialog</name>
    <message>
        <location filename="../app/studio/run_rerun.cpp" line="+98"/>
        <source>Re-run #%1 with Another Policy</source>
        <translation>用其他策略重新运行 #%1</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>The prompt, model and number of generated tokens of run #%1 stay as they were; the result is saved as a new run and opened beside the original.</source>
        <translation>运行 #%1 的提示词、模型和生成的词元数保持不变；结果保存为新的运行，并在原运行旁打开。</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Prompt:</source>
        <translation>提示词：</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Model:</source>
        <translation>模型：</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Generated tokens:</source>
        <translation>生成的词元：</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Policy of the run:</source>
        <translation>该运行的策略：</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>New policy:</source>
        <translation>新策略：</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Re-run</source>
        <translation>重新运行</translation>
    </message>
</context>
<context>
    <name>dash::studio::RunControls</name>
    <message>
        <location filename="../app/studio/run_controls.cpp" line="+22"/>
        <source>%1 — unavailable: %2</source>
        <translation>%1 — 不可用：%2</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Greedy tokens generated after the prompt on every run</source>
        <translation>每次运行在提示词之后贪心生成的词元数</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>&amp;Policy:</source>
        <translation>策略(&amp;P)：</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>&amp;Backend:</source>
        <translation>后端(&amp;B)：</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>&amp;Generate:</source>
        <translation>生成(&amp;G)：</translation>
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
        <translation>扫描结果：在留出文本上测得的困惑度和速度；它本身没有词元或单元格</translation>
    </message>
    <message>
        <location line="+30"/>
        <source>sweep</source>
        <translation>扫描</translation>
    </message>
    <message>
        <location line="+57"/>
        <source>#</source>
        <translation>#</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Created</source>
        <translation>创建时间</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Label</source>
        <translation>标签</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Policy</source>
        <translation>策略</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Tokens</source>
        <translation>词元</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Nominal ×</source>
        <translation>名义 ×</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>ms/token</source>
        <translation>毫秒/词元</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Perplexity</source>
        <translation>困惑度</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Speedup ×</source>
        <translation>加速 ×</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Backend</source>
        <translation>后端</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Prompt</source>
        <translation>提示词</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Policy File</source>
        <translation>策略文件</translation>
    </message>
</context>
<context>
    <name>dash::studio::RunRerunner</name>
    <message>
        <location filename="../app/studio/run_rerun.cpp" line="-57"/>
        <source>cannot load %1: %2</source>
        <translation>无法加载 %1：%2</translation>
    </message>
</context>
<context>
    <name>dash::studio::RunTools</name>
    <message>
        <location filename="../app/studio/run_tools.cpp" line="+28"/>
        <source>Runs</source>
        <translation>运行记录</translation>
    </message>
    <message>
        <location line="+35"/>
        <source>&amp;Runs</source>
        <translation>运行记录(&amp;R)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Run &amp;Browser</source>
        <translation>运行浏览器(&amp;B)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Go to Run List</source>
        <translation>转到运行列表(&amp;G)</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Ctrl+Shift+R</source>
        <translation>Ctrl+Shift+R</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Save Runs &amp;Automatically</source>
        <translation>自动保存运行(&amp;A)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Save each run once results stay unchanged for a moment</source>
        <translation>结果保持不变片刻后保存每次运行</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>&amp;Compare Selected Runs</source>
        <translation>比较所选运行(&amp;C)</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Ctrl+Shift+C</source>
        <translation>Ctrl+Shift+C</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Refresh</source>
        <translation>刷新(&amp;R)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Tools</source>
        <translation>工具(&amp;T)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Calibrate…</source>
        <translation>校准(&amp;C)…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Train Policy…</source>
        <translation>训练策略(&amp;T)…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Run &amp;Sweep…</source>
        <translation>运行扫描(&amp;S)…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Evaluate…</source>
        <translation>评估(&amp;E)…</translation>
    </message>
</context>
<context>
    <name>dash::studio::RunsPanel</name>
    <message>
        <location filename="../app/studio/runs_panel.cpp" line="+62"/>
        <source>Re-run with Another &amp;Policy…</source>
        <translation>用其他策略重新运行(&amp;P)…</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Run the selected run&apos;s prompt again on its model with another policy</source>
        <translation>用其他策略在原模型上重新运行所选运行的提示词</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Model path or SHA-256</source>
        <translation>模型路径或 SHA-256</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Any policy</source>
        <translation>任意策略</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Label contains</source>
        <translation>标签包含</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Created from</source>
        <translation>创建于（起）</translation>
    </message>
    <message>
        <location line="+30"/>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+283"/>
        <source>Open</source>
        <translation>打开</translation>
    </message>
    <message>
        <location line="-282"/>
        <source>Show the selected run&apos;s heatmap</source>
        <translation>显示所选运行的热图</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+288"/>
        <source>Compare</source>
        <translation>比较</translation>
    </message>
    <message>
        <location line="-287"/>
        <location line="+363"/>
        <source>Compare two selected runs side by side (A: the older)</source>
        <translation>并排比较所选的两次运行（A：较早的一次）</translation>
    </message>
    <message>
        <location line="-362"/>
        <location line="+290"/>
        <source>Delete…</source>
        <translation>删除…</translation>
    </message>
    <message>
        <location line="-282"/>
        <source>Notes on the opened run</source>
        <translation>已打开运行的备注</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Save Notes</source>
        <translation>保存备注</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Model:</source>
        <translation>模型：</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Policy:</source>
        <translation>策略：</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Label:</source>
        <translation>标签：</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>to</source>
        <translation>至</translation>
    </message>
    <message>
        <location line="+72"/>
        <source>Re-run of #%1 failed: %2</source>
        <translation>重新运行 #%1 失败：%2</translation>
    </message>
    <message>
        <location line="+36"/>
        <source>Compare runs #%1 and #%2 — DASH Studio</source>
        <translation>比较运行 #%1 与 #%2 — DASH Studio</translation>
    </message>
    <message numerus="yes">
        <location line="+71"/>
        <source>%n run(s)</source>
        <translation>
            <numerusform>%n 次运行</numerusform>
        </translation>
    </message>
    <message>
        <location line="+51"/>
        <source>Run #%1 has no traced prompt (a sweep result): nothing to re-run</source>
        <translation>运行 #%1 没有记录的提示词（扫描结果）：无法重新运行</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>A re-run is under way; try again when it has finished</source>
        <translation>已有一次重新运行正在进行；请在其完成后再试</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Re-running #%1 with %2…</source>
        <translation>正在用 %2 重新运行 #%1…</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>re-run of #%1</source>
        <translation>#%1 的重新运行</translation>
    </message>
    <message>
        <location line="+30"/>
        <source>Run store: %1</source>
        <translation>运行存储：%1</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>Run #%1 is a sweep result: it has no cells to compare</source>
        <translation>运行 #%1 是扫描结果：没有可比较的单元格</translation>
    </message>
    <message>
        <location line="+24"/>
        <source>Delete Runs</source>
        <translation>删除运行</translation>
    </message>
    <message numerus="yes">
        <location line="+1"/>
        <source>Delete %n saved run(s)? This cannot be undone.</source>
        <translation>
            <numerusform>删除 %n 次已保存的运行？此操作无法撤销。</numerusform>
        </translation>
    </message>
    <message>
        <location line="+22"/>
        <source>Sweep results hold figures, not cells: there are no heatmaps to compare</source>
        <translation>扫描结果只含数值，不含单元格：没有可比较的热图</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Open a run to see its heatmap and notes.</source>
        <translation>打开一次运行以查看其热图和备注。</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>nominal %1× · %2 ms/token</source>
        <translation>名义 %1× · %2 毫秒/词元</translation>
    </message>
    <message>
        <location line="+4"/>
        <source> · perplexity %1</source>
        <translation> · 困惑度 %1</translation>
    </message>
    <message>
        <location line="+2"/>
        <source> · measured %1×</source>
        <translation> · 实测 %1×</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>&lt;b&gt;Run #%1&lt;/b&gt; · %2 · %3 %4&lt;br&gt;Prompt: %5&lt;br&gt;Output: %6&lt;br&gt;%7</source>
        <translation>&lt;b&gt;运行 #%1&lt;/b&gt; · %2 · %3 %4&lt;br&gt;提示词：%5&lt;br&gt;输出：%6&lt;br&gt;%7</translation>
    </message>
</context>
<context>
    <name>dash::studio::SettingsDialog</name>
    <message>
        <location filename="../app/studio/settings_dialog.cpp" line="+21"/>
        <source>Preferences</source>
        <translation>首选项</translation>
    </message>
    <message>
        <location line="+4"/>
        <location line="+20"/>
        <source> ms</source>
        <translation> 毫秒</translation>
    </message>
    <message>
        <location line="-17"/>
        <source>How long typing must pause before the prompt runs again. Automatic: as long as the median of the last %1 runs took, at most %2 ms (%2 ms until a run finished), so that keys typed faster than a run takes start no run, and the heatmaps follow the last key within about two run times</source>
        <translation>输入停顿多久后重新运行提示词。自动：等待最近 %1 次运行耗时的中位数，最多 %2 ms（尚无运行完成时为 %2 ms），这样比一次运行更快的连续按键不会启动运行，热图在最后一次按键后约两次运行的时间内更新</translation>
    </message>
    <message>
        <location line="-2"/>
        <source>automatic</source>
        <translation>自动</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>automatic (%1)</source>
        <translation>自动（%1）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>CPU threads of the engine; a change reloads the model</source>
        <translation>引擎的 CPU 线程数；更改后将重新加载模型</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Save every finished run to the run store</source>
        <translation>将每次完成的运行保存到运行存储</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>A run is saved once the results stay unchanged this long, so that typing saves one run rather than one per keystroke</source>
        <translation>结果保持不变达到此时长后才保存运行，这样输入时只保存一次运行，而不是每次按键都保存一次</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Text on which policies whose ratio depends on the input (Early-Exit) are tuned, and the default text of calibration</source>
        <translation>用于对比率取决于输入的策略（Early-Exit）调参的文本，也是校准的默认文本</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Held-Out Text</source>
        <translation>留出文本</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Text (*.txt);;All files (*)</source>
        <translation>文本 (*.txt);;所有文件 (*)</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Windows of held-out text read by each tuning step</source>
        <translation>每个调参步骤读取的留出文本窗口数</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Re-run after typing pauses for</source>
        <translation>输入停顿以下时长后重新运行</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Engine threads</source>
        <translation>引擎线程数</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Save a run once results settle for</source>
        <translation>结果稳定以下时长后保存运行</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Held-out text</source>
        <translation>留出文本</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Held-out windows per tuning step</source>
        <translation>每个调参步骤的留出文本窗口数</translation>
    </message>
</context>
<context>
    <name>dash::studio::SimilarityChart</name>
    <message>
        <location filename="../app/studio/similarity_chart.cpp" line="+26"/>
        <source>cos(in,out), prompt mean</source>
        <translation>cos(输入,输出)，提示词平均</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>adjacent-layer similarity</source>
        <translation>相邻层相似度</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>skipped layer</source>
        <translation>跳过的层</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>layer</source>
        <translation>层</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>cosine similarity</source>
        <translation>余弦相似度</translation>
    </message>
    <message>
        <location line="+70"/>
        <source>cos(in,out), token %1 “%2”</source>
        <translation>cos(输入,输出)，词元 %1“%2”</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>cos(in,out), selected token</source>
        <translation>cos(输入,输出)，所选词元</translation>
    </message>
</context>
<context>
    <name>dash::studio::StreamTimeline</name>
    <message>
        <location filename="../app/studio/stream_timeline.cpp" line="+174"/>
        <source>%1 ms</source>
        <translation>%1 毫秒</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>No spans recorded</source>
        <translation>未记录任何时间段</translation>
    </message>
    <message>
        <location line="+22"/>
        <location line="+17"/>
        <source>compute</source>
        <translation>计算</translation>
    </message>
    <message>
        <location line="-17"/>
        <location line="+17"/>
        <source>policy</source>
        <translation>策略</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>%1 stream · layer %2
tokens %3–%4
%5 µs, from %6 ms</source>
        <translation>%1流 · 层 %2
词元 %3–%4
%5 µs，起始于 %6 毫秒</translation>
    </message>
</context>
<context>
    <name>dash::studio::SweepJobDialog</name>
    <message>
        <location filename="../app/studio/job_dialogs.cpp" line="+477"/>
        <source>Run a Sweep</source>
        <translation>运行扫描</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>GGUF models (*.gguf)</source>
        <translation>GGUF 模型 (*.gguf)</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+1"/>
        <source>Text (*.txt);;All files (*)</source>
        <translation>文本 (*.txt);;所有文件 (*)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Calibrations (*.json)</source>
        <translation>校准文件 (*.json)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>DASH policy files, separated by ;</source>
        <translation>DASH 策略文件，以 ; 分隔</translation>
    </message>
    <message>
        <location line="+27"/>
        <source>project</source>
        <translation>投影</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>mask</source>
        <translation>掩码</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Save the rows to the run store</source>
        <translation>将各行保存到运行存储</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>JSON (*.json)</source>
        <translation>JSON (*.json)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>optional</source>
        <translation>可选</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Test text</source>
        <translation>测试文本</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Held-out text (tuning)</source>
        <translation>留出文本（调参）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Calibration (static)</source>
        <translation>校准（静态）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>DASH policies</source>
        <translation>DASH 策略</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Methods</source>
        <translation>方法</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Ratios</source>
        <translation>比率</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Test tokens</source>
        <translation>测试词元数</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Tuning windows</source>
        <translation>调参窗口数</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Speed repeats</source>
        <translation>测速重复次数</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>KV of skipped layers</source>
        <translation>跳过层的 KV</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Also save JSON</source>
        <translation>同时保存 JSON</translation>
    </message>
    <message>
        <location line="+42"/>
        <source>Table</source>
        <translation>表格</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Pareto figure</source>
        <translation>Pareto 图</translation>
    </message>
    <message>
        <location line="-25"/>
        <source>Perplexity against the measured speedup</source>
        <translation>困惑度对实测加速比</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Perplexity against the nominal ratio</source>
        <translation>困惑度对名义加速比</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Export Figure…</source>
        <translation>导出图表…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Export LaTeX Table…</source>
        <translation>导出 LaTeX 表格…</translation>
    </message>
    <message>
        <location line="+33"/>
        <source>Export the Pareto figure</source>
        <translation>导出 Pareto 图</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>PDF (*.pdf);;SVG (*.svg);;PNG (*.png)</source>
        <translation>PDF (*.pdf);;SVG (*.svg);;PNG (*.png)</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Export the LaTeX table</source>
        <translation>导出 LaTeX 表格</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>LaTeX files (*.tex)</source>
        <translation>LaTeX 文件 (*.tex)</translation>
    </message>
    <message>
        <location line="+40"/>
        <source>no sweep figure is shown</source>
        <translation>未显示扫描图</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>no sweep result is shown</source>
        <translation>未显示扫描结果</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Wrote %1</source>
        <translation>已写入 %1</translation>
    </message>
    <message>
        <location line="+54"/>
        <source>ratios must be numbers &gt;= 1, got &apos;%1&apos;</source>
        <translation>比率必须是 &gt;= 1 的数字，实际为 &apos;%1&apos;</translation>
    </message>
    <message>
        <location line="+24"/>
        <source>choose where the rows go: the run store or a JSON file</source>
        <translation>请选择各行的去处：运行存储或 JSON 文件</translation>
    </message>
</context>
<context>
    <name>dash::studio::TimelinePanel</name>
    <message>
        <location filename="../app/studio/timeline_panel.cpp" line="+28"/>
        <source>prefill %1 · decode %2 ms/token</source>
        <translation>预填充 %1 · 解码 %2 毫秒/词元</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>ms/token: wall time of this run&apos;s forward passes divided by the tokens they computed, as dash-cli run prints it. Prefill: the prompt tokens not taken from the cache; decode: the generated tokens, one pass each. One run, no repeats: expect run-to-run spread.</source>
        <translation>毫秒/词元：本次运行各前向计算的墙钟时间除以其计算的词元数，与 dash-cli run 输出的一致。预填充：未从缓存取用的提示词元；解码：生成的词元，每个一次前向。仅一次运行、无重复：运行间会有波动。</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>thread concurrency</source>
        <translation>线程并发度</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>stream concurrency</source>
        <translation>流并发度</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1 %2 %</source>
        <translation>%1 %2 %</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>%1 – (no policy stream)</source>
        <translation>%1 –（无策略流）</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Thread concurrency: the share of the policy thread&apos;s busy wall-clock time during which a compute thread was busy too. It says the threads ran at the same time, not that the policy cost nothing: on a shared or busy CPU they compete for cores.</source>
        <translation>线程并发度：策略线程忙碌的墙钟时间中，计算线程也在忙碌的比例。它表示线程同时运行，并不表示策略没有开销：在共享或繁忙的 CPU 上它们会争用核心。</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Stream concurrency: the share of the policy stream&apos;s busy time during which the compute stream was busy too, from host-side timestamps of each span; it is not a measurement of concurrent GPU kernels.</source>
        <translation>流并发度：策略流忙碌时间中计算流也在忙碌的比例，依据每个区段的主机端时间戳；这不是对并发 GPU 内核的测量。</translation>
    </message>
    <message>
        <location line="+23"/>
        <source>−</source>
        <translation>−</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Zoom out (Ctrl+wheel)</source>
        <translation>缩小（Ctrl+滚轮）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Fit</source>
        <translation>适应窗口</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Show the whole run</source>
        <translation>显示整个运行</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>+</source>
        <translation>+</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Zoom in (Ctrl+wheel)</source>
        <translation>放大（Ctrl+滚轮）</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>No run</source>
        <translation>无运行</translation>
    </message>
    <message numerus="yes">
        <location line="+10"/>
        <source>this run computed %n token(s) in %1 ms</source>
        <translation>
            <numerusform>本次运行在 %1 毫秒内计算了 %n 个词元</numerusform>
        </translation>
    </message>
    <message>
        <location line="+3"/>
        <source>%1 · %2 · %3 · %4 reused from the cache</source>
        <translation>%1 · %2 · %3 · %4 个取自缓存</translation>
    </message>
    <message>
        <location line="-1"/>
        <source>this run computed nothing</source>
        <translation>本次运行未进行任何计算</translation>
    </message>
</context>
<context>
    <name>dash::studio::TokenDeltaStrip</name>
    <message>
        <location filename="../app/studio/token_delta_strip.cpp" line="+37"/>
        <source>Per token: Δ log p, the change in log-likelihood of the token under the policy against full precision (nats; orange: less likely), and the KL divergence KL(full ‖ policy) of the distribution that predicts it</source>
        <translation>每个词元：Δ log p，即该词元在策略下相对全精度的对数似然变化（nats；橙色：可能性降低），以及预测它的分布的 KL 散度 KL(全精度 ‖ 策略)</translation>
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
        <translation>&lt;b&gt;%1&lt;/b&gt;（词元 %2）：无数值（第一个词元无从预测；生成的词元不作比较）</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>&lt;b&gt;%1&lt;/b&gt; (token %2)&lt;br&gt;Δ log p = %3 nats (policy − full precision)&lt;br&gt;KL(full ‖ policy) = %4 nats</source>
        <translation>&lt;b&gt;%1&lt;/b&gt;（词元 %2）&lt;br&gt;Δ log p = %3 nats（策略 − 全精度）&lt;br&gt;KL(全精度 ‖ 策略) = %4 nats</translation>
    </message>
</context>
<context>
    <name>dash::studio::TrainingJobDialog</name>
    <message>
        <location filename="../app/studio/job_dialogs.cpp" line="-424"/>
        <source>Train a DASH Policy</source>
        <translation>训练 DASH 策略</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>GGUF models (*.gguf)</source>
        <translation>GGUF 模型 (*.gguf)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Calibrations (*.json)</source>
        <translation>校准文件 (*.json)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Text (*.txt);;All files (*)</source>
        <translation>文本 (*.txt);;所有文件 (*)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>DASH policies (*.policy)</source>
        <translation>DASH 策略 (*.policy)</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>Skip, INT4, INT8 and full precision</source>
        <translation>跳过、INT4、INT8 和全精度</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Skip and full precision only</source>
        <translation>仅跳过和全精度</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Integer states save less time on a CPU than their nominal cost; a skip/full policy&apos;s measured speedup follows its nominal ratio</source>
        <translation>在 CPU 上，整数状态节省的时间少于其名义成本；仅跳过/全精度策略的实测加速与其名义比率相符</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Static similarity skipping</source>
        <translation>静态相似度跳层</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The oracle&apos;s per-token decisions</source>
        <translation>预言机的逐词元决策</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The best static set</source>
        <translation>最佳静态层集</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>A per-token similarity forecast</source>
        <translation>逐词元相似度预测</translation>
    </message>
    <message>
        <location line="-10"/>
        <source>The first steps imitate the chosen decisions at the target ratio, then the trainer continues (0: no imitation)</source>
        <translation>前若干步在目标比率下模仿所选的决策，之后由训练器继续（0：不模仿）</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>For a skip/full policy that decides per token, imitate the oracle (1600 steps on the demo model, then the relaxed trainer); labelling its 256 training windows takes minutes</source>
        <translation>对于逐词元决策的跳过/全精度策略，模仿预言机（演示模型上 1600 步，之后使用松弛训练器）；标注其 256 个训练窗口需要几分钟</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>REINFORCE (the paper&apos;s)</source>
        <translation>REINFORCE（论文中的方法）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Relaxed (Gumbel-softmax, KL to full precision)</source>
        <translation>松弛（Gumbel-softmax，相对全精度的 KL）</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>The relaxed trainer after imitating the oracle gave the best skip/full policies on the demo model (4800 steps, 1600 of them imitation, learning rate 0.006); it keeps no checkpoint</source>
        <translation>在模仿预言机之后使用松弛训练器，在演示模型上得到了最好的跳过/全精度策略（4800 步，其中 1600 步为模仿，学习率 0.006）；它不保存检查点</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>State codes (0, 1, 2, 4)</source>
        <translation>状态编码（0、1、2、4）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Measured on this machine</source>
        <translation>在本机上测量</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>What each state costs in the reward and the cost bias; the target is always the nominal ratio</source>
        <translation>各状态在奖励和成本偏置中的成本；目标始终是名义比率</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Asynchronous decisions</source>
        <translation>异步决策</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Keep a checkpoint (a cancelled training resumes)</source>
        <translation>保留检查点（取消的训练可继续）</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>The relaxed trainer keeps no checkpoint</source>
        <translation>松弛训练器不保存检查点</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Calibration</source>
        <translation>校准</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Training text</source>
        <translation>训练文本</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Target ratio</source>
        <translation>目标比率</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Steps</source>
        <translation>步数</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Window (tokens)</source>
        <translation>窗口（词元）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Seed</source>
        <translation>随机种子</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>States</source>
        <translation>状态</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Imitation steps</source>
        <translation>模仿步数</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Imitate</source>
        <translation>模仿</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Trainer</source>
        <translation>训练器</translation>
    </message>
    <message>
        <location line="+73"/>
        <source>the relaxed trainer cannot imitate the similarity forecast: choose another imitation target or REINFORCE</source>
        <translation>松弛训练器无法模仿相似度预测：请选择其他模仿目标或 REINFORCE</translation>
    </message>
    <message>
        <location line="-75"/>
        <source>Learning rate</source>
        <translation>学习率</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>State costs</source>
        <translation>状态成本</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Save as</source>
        <translation>保存为</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Use This Policy</source>
        <translation>使用此策略</translation>
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
        <translation>打开一个 GGUF 模型，在您输入的同时逐词元、逐层地探索它如何计算提示词。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Open model…</source>
        <translation>打开模型…</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>&lt;b&gt;Recent models&lt;/b&gt;</source>
        <translation>&lt;b&gt;最近使用的模型&lt;/b&gt;</translation>
    </message>
    <message>
        <location line="+39"/>
        <source>%1 (missing)</source>
        <translation>%1（缺失）</translation>
    </message>
</context>
<context>
    <name>main</name>
    <message>
        <location filename="../app/studio/figure_export_cli.cpp" line="+55"/>
        <source>Write a figure without opening a window: heatmap, curves or timeline.</source>
        <translation>不打开窗口直接写出图表：heatmap、curves 或 timeline。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Trace to draw (what dash-cli trace --json writes).</source>
        <translation>要绘制的追踪（dash-cli trace --json 的输出）。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Figure file; .svg, .pdf or .png chooses the format.</source>
        <translation>图表文件；由 .svg、.pdf 或 .png 决定格式。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>PNG resolution (default 300).</source>
        <translation>PNG 分辨率（默认 300）。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Figure size, e.g. 160x70mm or 6x2.5in (default: by kind).</source>
        <translation>图表尺寸，例如 160x70mm 或 6x2.5in（默认：按类型）。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>serif (default) or sans.</source>
        <translation>serif（默认）或 sans。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Text size in points (default 8).</source>
        <translation>文字大小，单位为磅（默认 8）。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Model whose tokenizer labels the tokens.</source>
        <translation>用其分词器为词元加标签的模型。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Token of the similarity curves (default: the last prompt token).</source>
        <translation>相似度曲线所用的词元（默认：最后一个提示词词元）。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Heatmap colour: state (default) or cos.</source>
        <translation>热图颜色：state（默认）或 cos。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Also write the figure&apos;s data as CSV to this file.</source>
        <translation>同时将图表数据以 CSV 写入此文件。</translation>
    </message>
    <message>
        <location filename="../app/studio/main.cpp" line="+22"/>
        <source>Explore per-token, per-layer computation of a language model as you type.</source>
        <translation>在输入的同时探索语言模型逐词元、逐层的计算。</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>GGUF model file to open.</source>
        <translation>要打开的 GGUF 模型文件。</translation>
    </message>
</context>
</TS>
