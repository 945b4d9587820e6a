# mmusim plot build/figures/walkers/results.csv --kind bars: edit and run `gnuplot docs/figures/walkers.gp`
set terminal svg size 800,500 dynamic enhanced font 'Helvetica,14' background rgb 'white'
set output 'docs/figures/walkers.svg'
set datafile missing '?'
set key autotitle columnhead
set key outside right top box
set grid ytics lc rgb '#dddddd'
set border 3
set tics nomirror
set linetype 1 lc rgb '#0072B2' lw 2 pt 5
set linetype 2 lc rgb '#E69F00' lw 2 pt 6
set linetype 3 lc rgb '#009E73' lw 2 pt 7
set linetype 4 lc rgb '#D55E00' lw 2 pt 8
set linetype 5 lc rgb '#56B4E9' lw 2 pt 9
set linetype 6 lc rgb '#CC79A7' lw 2 pt 10
set linetype 7 lc rgb '#F0E442' lw 2 pt 11
set linetype 8 lc rgb '#000000' lw 2 pt 12
set linetype cycle 8
set title 'Address-translation cost relative to native (log scale)'
set logscale y
set yrange [0.5:*]
set arrow from graph 0, first 1 to graph 1, first 1 nohead dt 2 lc rgb '#555555' front
set ylabel 'translation + VMM cycles, relative to native'
set xlabel 'workload'
set style data histograms
set style histogram cluster gap 1
set style fill solid 0.9 border -1
set boxwidth 0.9
plot for [i=2:7] 'docs/figures/walkers.dat' using i:xtic(1)
