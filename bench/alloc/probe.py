# Sends one-step Activations frames in lockstep to a running daemon and prints the daemon-side bytes allocated per frame.
import sys, time, threading, queue, urllib.request, re
import grpc
sys.path.insert(0, '.')  # the stubs run.sh generated
from neuronguard.v1 import telemetry_pb2 as t

addr, metrics_url, fp, frames = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
# Frames per request: all in one request by default; short requests also show what each request costs (its start,
# end, final verdict and history entry), spread over its frames.
per_request = int(sys.argv[5]) if len(sys.argv) > 5 else frames
def allocated():
    text = urllib.request.urlopen(metrics_url).read().decode()
    return float(re.search(r'^dotnet_gc_allocated_bytes_total (\S+)', text, re.M).group(1))
ch = grpc.insecure_channel(addr)
stream = ch.stream_stream('/neuronguard.v1.Telemetry/Stream', request_serializer=lambda m: m.SerializeToString(), response_deserializer=t.DaemonMessage.FromString)
out = queue.Queue()
def gen():
    while True:
        m = out.get()
        if m is None: return
        yield m
responses = stream(gen())
out.put(t.ModelServerMessage(hello=t.Hello(server_id='probe', model_id='x', model_fingerprint=fp)))
welcome = next(responses).welcome
slots = len(welcome.slots)
def run(n, rid):
    out.put(t.ModelServerMessage(request_start=t.RequestStart(request_id=rid)))
    for i in range(n):
        vals = [0.01 * ((i + k) % 7) for k in range(slots)]
        out.put(t.ModelServerMessage(activations=t.Activations(request_id=rid, first_step=i, steps=1, values=vals)))
        while True:
            m = next(responses)
            if m.HasField('verdict') and m.verdict.request_id == rid and m.verdict.step == i: break
    out.put(t.ModelServerMessage(request_end=t.RequestEnd(request_id=rid)))
    while True:
        m = next(responses)
        if m.HasField('verdict') and m.verdict.final: break
run(2000, 'warm')
time.sleep(1)
a0 = allocated(); a1 = allocated()  # the scrape itself allocates: measure it
scrape = a1 - a0
start = allocated()
for k in range(frames // per_request):
    run(per_request, f'measured-{k}')
end = allocated()
frames = frames // per_request * per_request
print(f"slots={slots} frames={frames} frames/request={per_request} daemon bytes/frame={(end - start - scrape) / frames:.0f} (scrape cost {scrape:.0f} B subtracted)")
out.put(None)
