#!/usr/bin/env bash
# The Multi30k recipe end to end: datagen + train (configs/multi30k_<size>.cfg), average
# the last checkpoints, beam-decode test_2016_flickr, then BLEU two ways, the dev loss
# plot and a JSON summary (bench/multi30k_report.py).
#
#   bash bench/multi30k.sh [cpu|gpu] [translate_ende_multi30k|translate_ende_multi30k_rev]
#
# Environment: TMP_DIR (raw Multi30k files; downloaded there when missing, default
# ../shared/data/multi30k), WORK (default t2t_work/multi30k_<size>), BIN (the installed
# console scripts, default .venv/bin), AVERAGE (checkpoints averaged, default 5),
# DECODE_HPARAMS (default beam_size=4,alpha=0.6), RESULTS (default docs/results),
# TRAIN_FLAGS (more t2t-trainer flags, after the flagfile's, e.g. "--train_steps=5000").
set -euo pipefail

SIZE=${1:-cpu}
PROBLEM=${2:-translate_ende_multi30k}
CONFIG=configs/multi30k_${SIZE}.cfg
[[ -f $CONFIG ]] || { echo "multi30k.sh: no $CONFIG (size must be cpu or gpu)" >&2; exit 2; }
case $PROBLEM in
  translate_ende_multi30k) SRC=en TGT=de ;;
  translate_ende_multi30k_rev) SRC=de TGT=en ;;
  *) echo "multi30k.sh: problem must be translate_ende_multi30k or translate_ende_multi30k_rev" >&2; exit 2 ;;
esac
TMP_DIR=${TMP_DIR:-../shared/data/multi30k}
WORK=${WORK:-t2t_work/multi30k_${SIZE}}
BIN=${BIN:-.venv/bin}
AVERAGE=${AVERAGE:-5}
DECODE_HPARAMS=${DECODE_HPARAMS:-beam_size=4,alpha=0.6}
RESULTS=${RESULTS:-docs/results}
OUT=$WORK/$PROBLEM

start=$(date +%s)
"$BIN/t2t-trainer" --flagfile="$CONFIG" --problem="$PROBLEM" --tmp_dir="$TMP_DIR" \
  --data_dir="$WORK/data" --output_dir="$OUT" ${TRAIN_FLAGS:-}
train_seconds=$(( $(date +%s) - start ))

"$BIN/t2t-avg-all" --model_dir="$OUT" --output_dir="$OUT/averaged" --n="$AVERAGE"

# The decoder reads raw text and writes detokenized text: BLEU is computed against the
# untouched references, as sacreBLEU intends.
for lang in "$SRC" "$TGT"; do
  gzip -dc "$TMP_DIR/test_2016_flickr.$lang.gz" > "$WORK/test_2016_flickr.$lang"
done
start=$(date +%s)
"$BIN/t2t-decoder" --output_dir="$OUT/averaged" --data_dir="$WORK/data" \
  --decode_hparams="$DECODE_HPARAMS" --decode_from_file="$WORK/test_2016_flickr.$SRC" \
  --decode_to_file="$OUT/test_2016_flickr.$TGT.hyp"
decode_seconds=$(( $(date +%s) - start ))

"$BIN/python" bench/multi30k_report.py --run_dir="$OUT" --config="$CONFIG" \
  --hypotheses="$OUT/test_2016_flickr.$TGT.hyp" --references="$WORK/test_2016_flickr.$TGT" \
  --target_language="$TGT" --train_seconds="$train_seconds" --decode_seconds="$decode_seconds" \
  --averaged="$AVERAGE" --decode_hparams="$DECODE_HPARAMS" \
  --out="$RESULTS/${PROBLEM}_${SIZE}.json" --plot="$RESULTS/${PROBLEM}_${SIZE}_dev_loss.png"
