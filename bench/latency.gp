# One-way relay latency by percentile, drawn by bench/run.sh from results.jsonl.
# Left: saturated runs (the window keeps every client busy, so latency is
# queueing); right: 1,000 pairs at half of parley's saturation rate.
set terminal pngcairo size 1400,560 font ",10"
set output out
set multiplot layout 1,2 title "parley vs yardstick: one-way signal latency (log-log)"
set logscale xy
set grid xtics ytics mytics
set xtics ("0%%" 1, "50%%" 2, "90%%" 10, "99%%" 100, "99.9%%" 1000, "99.99%%" 10000, "99.999%%" 100000, "max" 1000000)
set xrange [1:1000000]
set xlabel "percentile"
set ylabel "latency (us)"
set key top left
set title "saturated (window 8 per client)"
plot f1 using 1:2 with linespoints lw 2 pt 7 title t1, \
     f2 using 1:2 with linespoints lw 2 pt 5 dt 2 title t2, \
     f3 using 1:2 with linespoints lw 2 pt 7 title t3, \
     f4 using 1:2 with linespoints lw 2 pt 5 dt 2 title t4
set title sprintf("%s pairs at %s msgs/s (half of parley's saturation)", pairs, half)
plot f5 using 1:2 with linespoints lw 2 pt 7 title t5, \
     f6 using 1:2 with linespoints lw 2 pt 5 dt 2 title t6
unset multiplot
