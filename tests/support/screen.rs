//! Screenshots of the app window read from the X server the E2E runs on (Xvfb), not through
//! WebDriver: WebKitWebDriver's screenshot command never answers while WebKit paints without
//! accelerated compositing, as the app does (`src-tauri/src/webview.rs`). What is read is what
//! the display shows, the same pixels a person sees.

use anyhow::{ensure, Context, Result};
use x11rb::connection::Connection;
use x11rb::protocol::xproto::{ConnectionExt, ImageFormat, ImageOrder};

/// The rectangle `(x, y, width, height)` of the display (`$DISPLAY`) as a PNG.
pub fn capture_png(x: u64, y: u64, width: u64, height: u64) -> Result<Vec<u8>> {
    let (conn, screen) = x11rb::connect(None).context("connecting to the X display ($DISPLAY)")?;
    let setup = conn.setup();
    let root = &setup.roots[screen];
    // The part of the rectangle on the screen (a window may reach past its edge).
    let x = x.min(u64::from(root.width_in_pixels));
    let y = y.min(u64::from(root.height_in_pixels));
    let width = width.min(u64::from(root.width_in_pixels) - x);
    let height = height.min(u64::from(root.height_in_pixels) - y);
    ensure!(width > 0 && height > 0, "the window is off the screen");
    let image = conn
        .get_image(
            ImageFormat::Z_PIXMAP,
            root.root,
            i16::try_from(x)?,
            i16::try_from(y)?,
            u16::try_from(width)?,
            u16::try_from(height)?,
            u32::MAX,
        )?
        .reply()
        .context("reading the window's pixels from the X server")?;
    let pixels = usize::try_from(width * height)?;
    ensure!(
        image.depth == 24 && image.data.len() == pixels * 4,
        "the display is not 24-bit colour in 32-bit pixels (depth {}, {} bytes for {pixels} \
         pixels); start Xvfb with -screen 0 WxHx24",
        image.depth,
        image.data.len()
    );
    // Each pixel is 0xXXRRGGBB in the server's byte order.
    let msb_first = setup.image_byte_order == ImageOrder::MSB_FIRST;
    let mut rgb = Vec::with_capacity(pixels * 3);
    for px in image.data.chunks_exact(4) {
        let [r, g, b] = if msb_first {
            [px[1], px[2], px[3]]
        } else {
            [px[2], px[1], px[0]]
        };
        rgb.extend([r, g, b]);
    }
    let mut png = Vec::new();
    let mut encoder = png::Encoder::new(&mut png, u32::try_from(width)?, u32::try_from(height)?);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(&rgb)?;
    writer.finish()?;
    Ok(png)
}
