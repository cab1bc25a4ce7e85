# vpf-cli demo: migrate VF 1 of the software PF "src" to VF 1 of "dst" by
# hand, one admin command at a time, then VF 2 with `migrate`; then the
# same in the virtio 1.4 dialect between two more models, s14 and d14.
# (vpf-cli attached src and dst at start-up: 4 VFs each.)
show pf
show cmds src
#
# The guest on src VF 1 runs for a while (the model's simulated workload).
model guest src 1 1000
model digest src 1
mode get src 1
#
# Step 1 - sizes: what is left of the running VF's context, and what a
# stop-copy in Freeze would cost; which fields the destination takes.
ctx size src 1
ctx size src 1 freeze
ctx fields dst 1
#
# Step 2 - modes: Stop (no DMA, notifications still accepted, so the state
# may still change), then Freeze (nothing changes any more).
mode set src 1 stop
model guest src 1 100
mode set src 1 freeze
mode get src 1
#
# Step 3 - chunked read of the Freeze context into a file (written
# atomically); afterwards nothing remains to be read in this mode.
ctx read src 1 /tmp/vpf-demo-ctx-$$.bin chunk=64
ctx size src 1
#
# Step 4 - what is in it.
ctx dump /tmp/vpf-demo-ctx-$$.bin
#
# Step 5 - the destination VF takes the context while frozen ...
mode set dst 1 freeze
ctx write dst 1 /tmp/vpf-demo-ctx-$$.bin chunk=256
# ... and applies it when it becomes active.
mode set dst 1 active
#
# Step 6 - the same migratable state on both sides.
model compare src 1 dst 1
stats src
#
# Now with the migration API: three precopy rounds while the guest keeps
# running (100 operations between rounds), dirty pages tracked by the
# device's write recording, then stop-copy and resume.
wr cap src 2
model guest src 2 1000
migrate src 2 dst 2 precopy=3 dirty=on guest=100
show vf src 2
#
# Step by step through the migration layer, as a hypervisor drives VFIO:
# VF 3's stream (header, a CRC per record, trailer) goes to a file as it is
# produced - two precopy rounds, then stop-copy - and a destination takes
# it. (A FIFO instead of the file lets another vpf-cli load it at once.)
model guest src 3 500
mig save src 3 /tmp/vpf-demo-mig-$$.bin precopy=2
mig load dst 3 /tmp/vpf-demo-mig-$$.bin
mig complete src 3
model compare src 3 dst 3
#
# The same in the virtio 1.4 "device parts" dialect, which real devices
# speak: two more software PFs, s14 and d14. A 1.4 VF is running or
# stopped; its state is a set of parts read and written through
# device-parts objects; ring positions live in guest memory, which
# vpf-cli moves between the two models as a hypervisor moves RAM.
pf attach model s14 dialect=1.4
pf attach model d14 dialect=1.4
show cmds s14
cap list s14
model guest s14 1 500
parts meta s14 1 size
#
# VF 1 by hand: stop, read its parts, set them on the stopped destination,
# move the guest's ring state, resume there.
mode set s14 1 stop
parts get s14 1 /tmp/vpf-demo-parts-$$.bin
parts dump /tmp/vpf-demo-parts-$$.bin
mode set d14 1 stop
parts set d14 1 /tmp/vpf-demo-parts-$$.bin
model ring-move s14 1 d14 1
mode set d14 1 active
model compare s14 1 d14 1
#
# VF 2 with the migration API: two precopy rounds (each reads the whole
# state again: the dialect has nothing incremental), stop-copy, resume.
# Dirty pages are the IOMMU's job here (dirty=on is refused).
model guest s14 2 1000
migrate s14 2 d14 2 precopy=2 guest=100
model guest d14 2 100
