#!/usr/bin/env bash
# Ensembles on Multi30k (en->de): two runs of the CPU recipe's model from two seeds, each
# alone (its last checkpoint, and its t2t-avg-all average of the last 4), and the two as
# one ensemble (t2t-decoder --checkpoint_paths), beam-decoding test_2016_flickr; sacreBLEU
# of each into a JSON file (bench/ensemble_report.py) that docs/results.md quotes.
#
#   bash bench/ensemble_multi30k.sh
#
# Environment: STEPS (training steps per run, default 1200: a shortened recipe, so that
# both runs fit in about 45 minutes on 2 cores), WARMUP (default 400), TMP_DIR (raw
# Multi30k, default ../shared/data/multi30k), WORK (default t2t_work/ensemble), BIN
# (default .venv/bin), DECODE_HPARAMS (default beam_size=4,alpha=0.6), OUT (default
# docs/results/ensemble_multi30k.json).
set -euo pipefail

STEPS=${STEPS:-1200}
WARMUP=${WARMUP:-400}
TMP_DIR=${TMP_DIR:-../shared/data/multi30k}
WORK=${WORK:-t2t_work/ensemble}
BIN=${BIN:-.venv/bin}
DECODE_HPARAMS=${DECODE_HPARAMS:-beam_size=4,alpha=0.6}
OUT=${OUT:-docs/results/ensemble_multi30k.json}
HPARAMS="num_hidden_layers=4,batch_size=4096,max_length=100,layer_prepostprocess_dropout=0.2,attention_dropout=0.1,relu_dropout=0.1,learning_rate_warmup_steps=$WARMUP"

start=$(date +%s)
for seed in 1 2; do
  "$BIN/t2t-trainer" --flagfile=configs/multi30k_cpu.cfg --tmp_dir="$TMP_DIR" \
    --data_dir="$WORK/data" --output_dir="$WORK/seed$seed" --random_seed="$seed" \
    --hparams="$HPARAMS" --train_steps="$STEPS" --schedule=train
  "$BIN/t2t-avg-all" --model_dir="$WORK/seed$seed" --output_dir="$WORK/seed$seed/averaged" --n=4
done
train_seconds=$(( $(date +%s) - start ))

for lang in en de; do
  gzip -dc "$TMP_DIR/test_2016_flickr.$lang.gz" > "$WORK/test_2016_flickr.$lang"
done
decode() {  # name, then t2t-decoder flags
  local name=$1; shift
  local begin; begin=$(date +%s)
  "$BIN/t2t-decoder" --output_dir="$WORK/seed1" --data_dir="$WORK/data" "$@" \
    --decode_hparams="$DECODE_HPARAMS" --decode_from_file="$WORK/test_2016_flickr.en" \
    --decode_to_file="$WORK/$name.hyp"
  echo "$name $(( $(date +%s) - begin ))" >> "$WORK/decode_seconds.txt"
}
rm -f "$WORK/decode_seconds.txt"
decode seed1 --checkpoint_path="$WORK/seed1"
decode seed2 --checkpoint_path="$WORK/seed2"
decode ensemble --checkpoint_paths="$WORK/seed1,$WORK/seed2"
decode seed1_averaged --checkpoint_path="$WORK/seed1/averaged"
decode seed2_averaged --checkpoint_path="$WORK/seed2/averaged"
decode ensemble_averaged --checkpoint_paths="$WORK/seed1/averaged,$WORK/seed2/averaged"

"$BIN/python" bench/ensemble_report.py --work="$WORK" --references="$WORK/test_2016_flickr.de" \
  --steps="$STEPS" --train_seconds="$train_seconds" --decode_hparams="$DECODE_HPARAMS" --out="$OUT"
